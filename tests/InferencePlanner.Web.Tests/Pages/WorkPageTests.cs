using System.Globalization;
using Bunit;
using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Components.Charts;
using InferencePlanner.Web.Persistence;
using InferencePlanner.Simulation.Workload;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Plotly.Blazor.Traces;
using CalibratePage = InferencePlanner.Web.Components.Pages.Calibrate;
using ForecastPage = InferencePlanner.Web.Components.Pages.Forecast;
using PlanPage = InferencePlanner.Web.Components.Pages.Plan;
using SimulatePage = InferencePlanner.Web.Components.Pages.Simulate;

namespace InferencePlanner.Web.Tests.Pages;

/// <summary>The simulate, forecast, plan and calibrate pages rendered with their real services; charts checked by the data handed to Plotly.</summary>
public sealed class WorkPageTests : PageTestContext
{
    private IRenderedComponent<T> Open<T>(string path)
        where T : IComponent
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(path);
        Render<MudPopoverProvider>();
        return Render<T>();
    }

    private async Task<RunRecord> LatestRunAsync(string kind)
    {
        await using var db = await Factory.CreateDbContextAsync();
        return (await db.Runs.AsNoTracking().Where(r => r.Kind == kind && r.Status == "Succeeded").ToListAsync()).OrderByDescending(r => r.FinishedAt).First();
    }

    private static List<double> Numbers(IList<object> values) => values.Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToList();

    [Fact]
    public async Task Simulate_Mm4_ShowsErlangC_AndPlotsTheSavedRunsCdf()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<SimulatePage>($"/simulate?scenario={mm4.Id}");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=percentiles]", TimeSpan.FromMinutes(1));

        // The closed form beside the run: Erlang C for λ = 3.2/s, μ = 1/s, c = 4.
        var erlang = new MmcQueue(3.2, 1, 4);
        Assert.Contains("Erlang C (M/M/4), exact for this fleet", page.Find("[data-testid=cross-check]").TextContent, StringComparison.Ordinal);
        var pwait = page.FindAll("[data-testid=cross-check-Pwait] td").Select(td => td.TextContent).ToList();
        Assert.Equal(erlang.ProbabilityOfWait.ToString("0.0000", CultureInfo.InvariantCulture), pwait[1]);

        // The CDF handed to Plotly is the saved run's, point for point.
        var saved = PlannerActions.ReadSimulation((await LatestRunAsync("simulate")).ResultJson)!;
        var cdf = Assert.IsType<Scatter>(Assert.Single(page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "latency-cdf").Instance.Traces));
        Assert.Equal(saved.LatencyCdf.Select(p => p.Ms), Numbers(cdf.X));
        Assert.Equal(saved.LatencyCdf.Select(p => p.Fraction), Numbers(cdf.Y));
        var shown = page.Find("[data-testid=p99-value]").TextContent;
        Assert.EndsWith(" ms", shown, StringComparison.Ordinal);
        Assert.InRange(double.Parse(shown[..^3], NumberStyles.Number, CultureInfo.InvariantCulture) - saved.LatencyMs.P99, -0.5, 0.5); // shown to the unit
    }

    [Fact]
    public async Task Simulate_GenerativeScenario_ShowsTtftAndTpot_WithTheirHalfWidths()
    {
        var chatbot = (await Store.ListAsync()).Single(s => s.Name == "LLM chatbot on H100");
        var page = Open<SimulatePage>($"/simulate?scenario={chatbot.Id}");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=percentiles]", TimeSpan.FromMinutes(1));

        // The page's three replications merged: the rows and half-widths are the saved run's.
        var saved = PlannerActions.ReadSimulation((await LatestRunAsync("simulate")).ResultJson)!;
        Assert.Equal(PlannerActions.WhatIfReplications, saved.Replications);
        Assert.NotNull(saved.TtftMs);
        Assert.NotNull(saved.Ci95?.P99TtftMs);
        static string Shown(double ms) => ms.ToString(ms >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture); // the table's rule
        Assert.Equal(Shown(saved.TtftMs!.P99), page.Find("[data-testid=ttft-row] td:nth-child(6) .ip-value").TextContent.Trim());
        Assert.Equal(Shown(saved.TpotMs!.P99), page.Find("[data-testid=tpot-row] td:nth-child(6) .ip-value").TextContent.Trim());
        // Each of mean, p50, p90 and p99 carries its own half-width under it.
        var ci = saved.Ci95!;
        foreach (var (column, ttftHalf, tpotHalf) in new[] { (2, ci.MeanTtftMs, ci.MeanTpotMs), (3, ci.P50TtftMs, ci.P50TpotMs), (4, ci.P90TtftMs, ci.P90TpotMs), (6, ci.P99TtftMs, ci.P99TpotMs) })
        {
            Assert.Equal($"± {Shown(ttftHalf!.Value)}", page.Find($"[data-testid=ttft-row] td:nth-child({column}) .ip-halfwidth").TextContent.Trim());
            Assert.Equal($"± {Shown(tpotHalf!.Value)}", page.Find($"[data-testid=tpot-row] td:nth-child({column}) .ip-halfwidth").TextContent.Trim());
        }

        var halfWidths = page.Find("[data-testid=half-widths]").TextContent;
        Assert.Contains($"p99 TTFT ± {Shown(saved.Ci95!.P99TtftMs!.Value)} ms", halfWidths, StringComparison.Ordinal);
        Assert.Contains($"p99 TPOT ± {Shown(saved.Ci95.P99TpotMs!.Value)} ms", halfWidths, StringComparison.Ordinal);

        // Continuous batching's own figures, not a single-batch queue's: no "mean batch", no P(wait), no busy-time warning.
        var text = page.Markup;
        Assert.DoesNotContain("P(wait)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("mean batch", text, StringComparison.Ordinal);
        Assert.DoesNotContain("little headroom", text, StringComparison.Ordinal);
        Assert.Equal($"{saved.OutputTokensPerSecond!.Value.ToString("N0", CultureInfo.InvariantCulture)} tokens/s", page.Find("[data-testid=output-tokens-value]").TextContent.Trim());
        var llm = saved.Pools[0].Llm!;
        Assert.Equal(llm.KvCacheUtilization.ToString("P1", CultureInfo.InvariantCulture), page.Find("[data-testid=kv-cache-value]").TextContent.Trim());
        Assert.Contains($"{llm.Preemptions:N0} preemptions", page.Find("[data-testid=kv-cache-detail]").TextContent, StringComparison.Ordinal);
        Assert.Contains($"goodput {saved.GoodputPerSecond.ToString("N2", CultureInfo.InvariantCulture)} of", page.Find("[data-testid=output-tokens-detail]").TextContent, StringComparison.Ordinal);
        // The verdict's colour follows the verdict.
        var verdict = page.Find("[data-testid=p99-ttft-detail]");
        Assert.Contains(saved.SloMet == true ? "mud-success-text" : "mud-error-text", verdict.ClassName, StringComparison.Ordinal);
        Assert.Equal("1 replica × 1 device", page.Find($"[data-testid=pool-{saved.Pools[0].Name}-servers]").TextContent.Trim());
        Assert.Equal($"{llm.MeanDecodeTokensPerStep.ToString("N1", CultureInfo.InvariantCulture)} decode + {llm.MeanPrefillTokensPerStep.ToString("N0", CultureInfo.InvariantCulture)} prompt tokens per step",
            page.Find($"[data-testid=pool-{saved.Pools[0].Name}-batch]").TextContent.Trim());

        // The series over time are the saved run's: cache share and preemptions, batch composition, running sequences.
        var series = saved.TimeSeries!;
        Assert.True(series.StartSeconds.Count > 10, "a series over the run");
        var kv = page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "kv-series").Instance.Traces;
        Assert.Equal(series.KvCacheUtilization!, Numbers(Assert.IsType<Scatter>(kv[0]).Y));
        Assert.Equal(series.PreemptionsPerSecond!, Numbers(Assert.IsType<Scatter>(kv[1]).Y));
        var composition = page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "composition-series").Instance.Traces;
        Assert.Equal(series.PrefillTokensPerStep!, Numbers(Assert.IsType<Scatter>(composition[0]).Y));
        Assert.Equal(series.DecodeTokensPerStep!, Numbers(Assert.IsType<Scatter>(composition[1]).Y));
        var running = page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "running-series").Instance.Traces;
        Assert.Equal(series.RunningSequences!, Numbers(Assert.IsType<Scatter>(running[0]).Y));
        // Beside the result: where its step times come from, and how well such steps replay measured serving.
        var provenance = page.Find($"[data-testid=step-times-{saved.Pools[0].Name}]").TextContent;
        Assert.Contains("step = the sum of its operators; dense operators", provenance, StringComparison.Ordinal);
        Assert.Contains("nvidia-h100-sxm", provenance, StringComparison.Ordinal);
        Assert.Contains("median error E2E", provenance, StringComparison.Ordinal);
        Assert.Equal(saved.Pools[0].Llm!.StepTimes, provenance[(provenance.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
    }

    [Fact]
    public async Task Simulate_RunsTheScenariosOwnHorizon_AndSaysWhatRan()
    {
        // A day of daily-shaped load: the page must run the whole day, not a fixed number of queries from midnight.
        var day = new Scenario
        {
            Name = "one day, daily shape",
            Seed = 3,
            Horizon = new Horizon { Seconds = 86_400, WarmupSeconds = 3_600 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "diurnal", RatePerSecond = 4, DailyShape = [.. Enumerable.Range(0, 24).Select(h => h is >= 9 and <= 17 ? 1.0 : 0.2)] } },
            Pools = [new PoolSpec { Name = "gpu", Count = 2, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 200 } }],
        };
        var record = await Store.CreateAsync(day);
        var page = Open<SimulatePage>($"/simulate?scenario={record.Id}");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=percentiles]", TimeSpan.FromMinutes(1));

        var saved = PlannerActions.ReadSimulation((await LatestRunAsync("simulate")).ResultJson)!;
        Assert.Equal(86_400, saved.SimulatedSeconds, 9);
        Assert.Equal(PlannerActions.WhatIfReplications, saved.Replications);
        Assert.Equal("Ran 3 replications of the scenario's horizon: 24 h of simulated time after a 1 h warm-up.", page.Find("[data-testid=run-description]").TextContent.Trim());
    }

    [Fact]
    public async Task Simulate_AHorizonBeyondTheServersLimit_IsRefusedNamingIt_NotCutShort()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var record = await Store.CreateAsync(ScenarioJson.Parse(mm4.Json) with { Name = "ten billion queries", Horizon = new Horizon { Queries = 10_000_000_000 } });
        var page = Open<SimulatePage>($"/simulate?scenario={record.Id}");

        await ClickAsync(page, "[data-testid=run]");

        var message = page.WaitForElement("[data-testid=message]").TextContent;
        Assert.Contains("$.horizon.queries", message, StringComparison.Ordinal);
        Assert.Contains("Api:MaxQueriesPerRun", message, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=percentiles]"));
    }

    [Fact]
    public async Task Forecast_PlotsEachMonthsFleetAndCost_AsTheSavedForecastHasThem()
    {
        var scenario = new Scenario
        {
            Name = "three months on H100",
            Seed = 5,
            Horizon = new Horizon { Queries = 20_000, WarmupQueries = 2_000 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 200 } },
            Pools = [new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Region = "aws-us-east-1", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 40 } }],
            Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
            Growth = new GrowthSpec { Months = 3, MonthlyGrowthPercent = 30 },
        };
        var record = await Store.CreateAsync(scenario);
        var page = Open<ForecastPage>($"/forecast?scenario={record.Id}");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=months]", TimeSpan.FromMinutes(1));

        var saved = PlannerActions.ReadForecast((await LatestRunAsync("forecast")).ResultJson)!;
        Assert.Equal(3, page.FindAll("[data-testid=months] tbody tr").Count);
        var fleet = Assert.IsType<Scatter>(Assert.Single(page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "fleet-chart").Instance.Traces));
        Assert.Equal([0.0, 1, 2], Numbers(fleet.X));
        Assert.Equal(saved.Months.Select(m => (double)m.Pools[0].Count), Numbers(fleet.Y));
        Assert.True(saved.Months[2].Pools[0].Count > saved.Months[0].Pools[0].Count, "69 % more traffic needs more servers");
        var cost = (Scatter)page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "cost-chart").Instance.Traces[0];
        Assert.Equal(saved.Months.Select(m => m.Pools[0].Count * 6.88 * 730.5), Numbers(cost.Y), new RelativeTolerance(1e-12)); // one product in two orders: a few ulp
    }

    [Fact]
    public async Task Plan_ANegativeRate_IsNamedInline_AndSaveIsRefused()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");
        Assert.False(page.Find("[data-testid=save]").HasAttribute("disabled"));

        // A pasted document with a negative rate is named inline, as the form's fields are.
        await InputAsync(page, "json", mm4.Json.Replace("\"ratePerSecond\": 3.2", "\"ratePerSecond\": -3", StringComparison.Ordinal), "textarea");

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=plan-error]"), e => e.TextContent.Contains("$.workload.arrivals.ratePerSecond", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        Assert.True(page.Find("[data-testid=save]").HasAttribute("disabled"));
        Assert.Equal(mm4.Version, (await Store.GetAsync(mm4.Id))!.Version);
    }

    [Fact]
    public async Task Plan_ANegativeServerCount_TypedInTheForm_IsRefusedByName_NotTurnedIntoOne()
    {
        // The field used to clamp -3 to its minimum of 1 and save a fleet nobody asked for.
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");

        await ChangeAsync(page, "count-servers", "-3");

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=plan-error]"), e => e.TextContent.StartsWith("$.pools[0].count:", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        Assert.True(page.Find("[data-testid=save]").HasAttribute("disabled"));
        var json = page.Find("[data-testid=json] textarea, textarea[data-testid=json]").GetAttribute("value") ?? page.Find("textarea").TextContent;
        Assert.Equal(-3, ScenarioJson.Parse(json).Pools![0].Count);
        Assert.Equal(mm4.Json, (await Store.GetAsync(mm4.Id))!.Json);
    }

    [Fact]
    public async Task Plan_EditingAnHoursShare_RedrawsTheDailyShape_AndTheDocumentFollows()
    {
        var growth = (await Store.ListAsync()).Single(s => s.Name == "chatbot growth over two years");
        var shape = ScenarioJson.Parse(growth.Json).Workload!.Arrivals!.DailyShape!;
        var page = Open<PlanPage>($"/plan?scenario={growth.Id}");
        Assert.Equal(24, page.FindAll("[data-testid=daily-shape-hours] input").Count);

        await ChangeAsync(page, "hour-3", "0.9");

        var expected = shape.ToList();
        expected[3] = 0.9;
        page.WaitForAssertion(() =>
        {
            var trace = Assert.IsType<Scatter>(Assert.Single(page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "daily-shape").Instance.Traces));
            Assert.Equal(expected, Numbers(trace.Y));
        });
        var json = page.Find("[data-testid=json] textarea, textarea[data-testid=json]").GetAttribute("value") ?? page.Find("textarea").TextContent;
        Assert.Equal(expected, ScenarioJson.Parse(json).Workload!.Arrivals!.DailyShape);
    }

    public static TheoryData<string, string, string> Bad() => BadScenarios.Theory();

    [Theory]
    [MemberData(nameof(Bad))]
    public async Task Plan_EveryKindOfBadDocument_IsNamedInline_NothingIsSaved(string what, string document, string field)
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");

        await InputAsync(page, "json", document, "textarea");

        page.WaitForAssertion(() => Assert.True(page.FindAll("[data-testid=plan-error]").Any(e => e.TextContent.StartsWith(field, StringComparison.Ordinal)),
            $"{what}: errors shown {string.Join(" | ", page.FindAll("[data-testid=plan-error]").Select(e => e.TextContent))}"), TimeSpan.FromSeconds(10));
        Assert.True(page.Find("[data-testid=save]").HasAttribute("disabled"));
        Assert.Equal(mm4.Version, (await Store.GetAsync(mm4.Id))!.Version);
        Assert.Equal(mm4.Json, (await Store.GetAsync(mm4.Id))!.Json);
        // A path outside the server's traces is refused by name, never opened: nothing of the file shows.
        Assert.DoesNotContain("root:", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_SaveUnderAnotherScenariosName_IsRefused_SaveAsNewTakesANewName()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");

        var renamed = System.Text.Json.Nodes.JsonNode.Parse(mm4.Json)!;
        renamed["name"] = "LLM chatbot on H100";
        await InputAsync(page, "json", renamed.ToJsonString(), "textarea");
        // The document field applies a paste after a 400 ms pause in typing; the form follows it.
        page.WaitForAssertion(() => Assert.Equal("LLM chatbot on H100", page.FindComponents<MudTextField<string>>().Single(c => c.Instance.Label == "Name").Instance.Value));
        await ClickAsync(page, "[data-testid=save]");

        page.WaitForAssertion(() => Assert.Contains("Not saved: 'LLM chatbot on H100' is the name of scenario", page.Find("[data-testid=plan-message]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(mm4.Json, (await Store.GetAsync(mm4.Id))!.Json);

        // Renamed in the form: the new name is kept, numbered because it is taken, and no "(copy)" is added to it.
        await ClickAsync(page, "[data-testid=save-as-new]");
        Assert.Contains("LLM chatbot on H100 (2)", (await Store.ListAsync()).Select(s => s.Name));
        Assert.DoesNotContain("LLM chatbot on H100 (copy)", (await Store.ListAsync()).Select(s => s.Name));
    }

    [Fact]
    public async Task Plan_WhatIf_UnderABrokenDraft_IsMarkedStale_AndComesBackFreshWhenFixed()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");
        var pool = ScenarioJson.Parse(mm4.Json).Pools![0].Name;

        // A valid edit: the what-if runs and is fresh.
        await ChangeAsync(page, $"count-{pool}", "5");
        page.WaitForElement("[data-testid=whatif-p99]", TimeSpan.FromMinutes(1));
        Assert.Empty(page.FindAll("[data-testid=whatif-stale]"));

        // A broken one: the last result stays, marked stale, naming how many problems stand in the way.
        await ChangeAsync(page, $"count-{pool}", "-1");
        page.WaitForAssertion(() => Assert.Contains("Stale: this is the last valid draft's result", page.Find("[data-testid=whatif-stale]").TextContent, StringComparison.Ordinal));
        Assert.NotEmpty(page.FindAll("[data-testid=whatif-p99]"));

        // Fixed: fresh again.
        await ChangeAsync(page, $"count-{pool}", "4");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=whatif-stale]")), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Plan_SaveAsNew_KeepsAFreshName_AndCopiesOnlyAnUnchangedOne()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");

        // The name unchanged: the copy says so.
        await ClickAsync(page, "[data-testid=save-as-new]");
        page.WaitForAssertion(() => Assert.Contains("Saved as a new scenario, 'M/M/4 at 80 % load (copy)'", page.Find("[data-testid=plan-message]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        // Renamed to a free name: saved under exactly that name.
        await ChangeAsync(page, "scenario-name", "M/M/4, night shift");
        await ClickAsync(page, "[data-testid=save-as-new]");
        page.WaitForAssertion(() => Assert.Contains("'M/M/4, night shift'", page.Find("[data-testid=plan-message]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("M/M/4, night shift", (await Store.ListAsync()).Select(s => s.Name));
    }

    [Fact]
    public async Task Plan_BurstFields_EditTheMarkovModulatedArrivals()
    {
        var record = await Store.CreateAsync(ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "bursty-code-assistant.json")) with { Name = "burst form test" });
        var page = Open<PlanPage>($"/plan?scenario={record.Id}");

        await ChangeAsync(page, "burst-rate", "500");

        page.WaitForAssertion(() =>
        {
            var json = page.Find("textarea").GetAttribute("value") ?? page.Find("textarea").TextContent;
            var arrivals = ScenarioJson.Parse(json).Workload!.Arrivals!;
            Assert.Equal("bursts", arrivals.Kind);
            Assert.Equal(500, arrivals.BurstRatePerSecond);
        });
        Assert.Empty(page.FindAll("[data-testid=plan-error]"));
    }

    private static string Document<T>(IRenderedComponent<T> page)
        where T : IComponent =>
        page.Find("textarea").GetAttribute("value") ?? page.Find("textarea").TextContent;

    [Fact]
    public async Task Plan_UploadedTrace_IsCheckedKeptAndReplayed_ABadRowIsNamed()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");
        var lines = File.ReadLines(Path.Combine(RepositoryPaths.Root, "data", "traces", "azure-llm-2023-conv.csv")).Take(301).ToList();

        // A row with a broken time: named by its line, and the draft is left as it was.
        var broken = lines.Take(3).Append("yesterday,12,3").Concat(lines.Skip(3)).ToList();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(string.Join('\n', broken), "broken.csv"));
        page.WaitForAssertion(() => Assert.Contains("broken.csv:4: TIMESTAMP 'yesterday' is not a date and time", page.Find("[data-testid=trace-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal("poisson", ScenarioJson.Parse(Document(page)).Workload!.Arrivals!.Kind);

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(string.Join('\n', lines), "conv-300.csv"));

        page.WaitForAssertion(() => Assert.Contains("conv-300.csv: 300 requests", page.Find("[data-testid=trace-summary]").TextContent, StringComparison.Ordinal));
        var arrivals = ScenarioJson.Parse(Document(page)).Workload!.Arrivals!;
        Assert.Equal("trace", arrivals.Kind);
        Assert.StartsWith(Path.Combine(Services.GetRequiredService<PlannerStorage>().TracesFolder, "trace-"), arrivals.Path, StringComparison.Ordinal);
        var kept = ArrivalTrace.Load(arrivals.Path!);
        Assert.Equal(300, kept.Count);
        // The chart is the kept trace's per-minute rate; every row is in it.
        var chart = page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "trace-rate");
        Assert.Equal(300, chart.Instance.Series[0].Y.Sum() * 60, 1e-9);
        Assert.Empty(page.FindAll("[data-testid=trace-error]"));
    }

    [Fact]
    public async Task Plan_QueryClasses_AndQueriesPerDay_EditTheDocument()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open<PlanPage>($"/plan?scenario={mm4.Id}");

        // 3.2 queries/s is 276,480 a day; 172,800 a day is 2 queries/s.
        Assert.Equal("276480", Control(page, "queries-per-day").GetAttribute("value"));
        await ChangeAsync(page, "queries-per-day", "172800");
        page.WaitForAssertion(() => Assert.Equal(2.0, ScenarioJson.Parse(Document(page)).Workload!.Arrivals!.RatePerSecond));

        await ClickAsync(page, "[data-testid=add-class]");
        await ClickAsync(page, "[data-testid=add-class]");
        await ChangeAsync(page, "class-name-0", "interactive");
        await ChangeAsync(page, "class-weight-0", "3");
        await ChangeAsync(page, "class-slo-0", "2500");
        await ChangeAsync(page, "class-percentile-0", "95");

        page.WaitForAssertion(() =>
        {
            var classes = ScenarioJson.Parse(Document(page)).Workload!.Classes!;
            Assert.Equal(["interactive", "class-2"], classes.Select(c => c.Name));
            Assert.Equal([3.0, 1.0], classes.Select(c => c.Weight!.Value));
            Assert.Equal(2500, classes[0].Slo!.LatencyMs);
            Assert.Equal(95, classes[0].Slo!.Percentile);
        });
        Assert.Contains("75 % of queries", page.Find("[data-testid=class-0]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=plan-error]"));

        await ClickAsync(page, "[data-testid=class-remove-1]");
        await ClickAsync(page, "[data-testid=class-remove-0]");
        page.WaitForAssertion(() => Assert.Null(ScenarioJson.Parse(Document(page)).Workload!.Classes));
    }

    [Fact]
    public async Task Plan_RegionPicker_ListsTheRegionsThatPriceTheDevice_First_AndSaysHowMany()
    {
        var record = await Store.CreateAsync(ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-h100.json")) with { Name = "region picker test" });
        var page = Open<PlanPage>($"/plan?scenario={record.Id}");
        var priced = Catalog.Prices.Where(p => p.DeviceId == "nvidia-h100-sxm" && p.Pricing == PricingModel.OnDemand && p.UsdPerAcceleratorHour.Effective is not null).Select(p => p.Region).ToHashSet(StringComparer.Ordinal);

        var items = page.FindComponents<MudSelect<string>>()
            .Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == "region-h100-east")
            .FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value!).ToList();

        Assert.NotEmpty(priced);
        Assert.Equal(priced.Order(StringComparer.Ordinal), items.Take(priced.Count).Order(StringComparer.Ordinal));
        Assert.Contains($"{priced.Count} regions price nvidia-h100-sxm on-demand (listed first)", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void RegionChoices_ShowEachRegionsPrice_OrSayItHasNone()
    {
        var choices = InferencePlanner.Web.Components.Editors.PoolsEditor.RegionChoices(Catalog, "nvidia-h100-sxm", "on-demand");
        var onDemand = Catalog.Prices.Where(p => p.DeviceId == "nvidia-h100-sxm" && p.Pricing == PricingModel.OnDemand && p.UsdPerAcceleratorHour.Effective is not null).ToList();
        var cheapest = onDemand.MinBy(p => p.UsdPerAcceleratorHour.Effective)!;

        Assert.Equal(Catalog.Regions.Count, choices.Count);
        Assert.Equal(cheapest.Region, choices[0].RegionId); // the cheapest first
        Assert.Equal(FormattableString.Invariant($"{cheapest.Region} · {cheapest.UsdPerAcceleratorHour.Effective:0.###} USD/device-h on-demand"), choices[0].Label);
        Assert.All(choices.Where(c => !c.Priced), c => Assert.EndsWith(" · no price for nvidia-h100-sxm", c.Label, StringComparison.Ordinal));
        var none = InferencePlanner.Web.Components.Editors.PoolsEditor.RegionChoices(Catalog, "nvidia-jetson-orin-nano", "on-demand");
        Assert.Equal("no region prices nvidia-jetson-orin-nano on-demand: its cost will be unknown", InferencePlanner.Web.Components.Editors.PoolsEditor.PricedRegions(none, "nvidia-jetson-orin-nano", "on-demand"));
        // The label shows the price the forecast bills: the first listed in the region at the pricing.
        var pricer = new InferencePlanner.Planning.Economics.FleetPricer(Catalog);
        Assert.All(choices.Where(c => c.Priced), c => Assert.Contains(
            FormattableString.Invariant($" · {pricer.ListedPrice("nvidia-h100-sxm", c.RegionId, "on-demand")!.UsdPerAcceleratorHour.Effective:0.###} USD/device-h"), c.Label, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_PoolRegionPricingAndMaxWait_EditTheDocument()
    {
        var record = await Store.CreateAsync(ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-h100.json")) with { Name = "pool form test" });
        var page = Open<PlanPage>($"/plan?scenario={record.Id}");
        MudSelect<string> Select(string testId) => page.FindComponents<MudSelect<string>>()
            .Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == testId).Instance;

        // Every catalog region is offered.
        Assert.Equal(Catalog.Regions.Count, page.FindComponents<MudSelect<string>>()
            .Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == "region-h100-east")
            .FindComponents<MudSelectItem<string>>().Count);
        await page.InvokeAsync(() => Select("region-h100-east").ValueChanged.InvokeAsync("gcp-us-central1"));
        await page.InvokeAsync(() => Select("pricing-h100-east").ValueChanged.InvokeAsync("reserved-1y"));
        await ChangeAsync(page, "max-wait-h100-east", "2");

        page.WaitForAssertion(() =>
        {
            var pool = ScenarioJson.Parse(Document(page)).Pools![0];
            Assert.Equal("gcp-us-central1", pool.Region);
            Assert.Equal("reserved-1y", pool.Pricing);
            Assert.Equal(2, pool.Batching!.MaxWaitMs);
        });
        Assert.Empty(page.FindAll("[data-testid=plan-error]"));
    }

    [Fact]
    public void Calibrate_OffersTheZooModels_AndNothingToSaveBeforeARun()
    {
        var page = Open<CalibratePage>("/calibrate");

        Assert.Contains("mlp", page.Find("[data-testid=model-select]").OuterHtml, StringComparison.Ordinal);
        Assert.True(page.Find("[data-testid=save-profile]").HasAttribute("disabled"));
        Assert.Empty(page.FindAll("[data-testid=projections]"));
    }
}
