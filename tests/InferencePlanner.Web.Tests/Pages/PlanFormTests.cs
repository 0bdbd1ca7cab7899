using Bunit;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Components.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using PlanPage = InferencePlanner.Web.Components.Pages.Plan;

namespace InferencePlanner.Web.Tests.Pages;

/// <summary>The plan form's generative fields, what-ifs and pools, each checked in the document it writes.</summary>
public sealed class PlanFormTests : PageTestContext
{
    private IRenderedComponent<PlanPage> Open(int id)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/plan?scenario={id}");
        Render<MudPopoverProvider>();
        return Render<PlanPage>();
    }

    private static string Document(IRenderedComponent<PlanPage> page) => page.Find("textarea[data-testid=json], [data-testid=json] textarea").GetAttribute("value")
        ?? page.Find("[data-testid=json] textarea").TextContent;

    private static Scenario Draft(IRenderedComponent<PlanPage> page) => ScenarioJson.Parse(Document(page));

    private static Task Select<T>(IRenderedComponent<PlanPage> page, string testId, T value) =>
        page.InvokeAsync(() => page.FindComponents<MudSelect<T>>()
            .Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == testId).Instance.ValueChanged.InvokeAsync(value));

    private async Task<int> ChatbotAsync(string name) =>
        (await Store.CreateAsync(ScenarioJson.Parse((await Store.ListAsync()).Single(s => s.Name == "LLM chatbot on H100").Json) with { Name = name })).Id;

    /// <summary>A field's change handler as one render drew it.</summary>
    private static EventCallback<T> Handler<T>(IRenderedComponent<PlanPage> page, string testId) =>
        page.FindComponents<MudNumericField<T>>().Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == testId).Instance.ValueChanged;

    [Fact]
    public async Task TwoQuickEdits_ThroughHandlersOfOneRender_BothLand()
    {
        // Two edits before the browser has the render that followed the first: the second comes through a handler of the
        // older render, built from the draft without the first edit. Each edit applies only what it changed.
        var page = Open(await ChatbotAsync("quick edits"));
        var seqs = Handler<int?>(page, "llm-seqs-h100");
        var tokens = Handler<int?>(page, "llm-tokens-h100");
        var ttft = Handler<double?>(page, "slo-ttft");
        var replicas = Handler<int?>(page, "count-h100");

        await page.InvokeAsync(() => seqs.InvokeAsync(48));
        await page.InvokeAsync(() => tokens.InvokeAsync(3072));
        await page.InvokeAsync(() => ttft.InvokeAsync(900));
        await page.InvokeAsync(() => replicas.InvokeAsync(3));

        page.WaitForAssertion(() =>
        {
            var draft = Draft(page);
            Assert.Equal((48, 3072, 900.0, 3), (draft.Pools![0].Llm!.MaxSequences, draft.Pools[0].Llm!.MaxBatchedTokens, draft.Slo!.TtftMs, draft.Pools[0].Count));
        });
    }

    [Fact]
    public void Merge_AppliesOnlyWhatAnEditChanged_ToTheDraftAsItIsNow()
    {
        var rendered = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-h100.json"));
        var pool = rendered.Pools![0];
        var first = rendered with { Pools = [pool with { Count = 9 }] };
        var second = rendered with { Pools = [pool with { TimeoutMs = 2500, Region = null }] };

        var merged = InferencePlanner.Web.Components.Editors.DraftEditor.Merge(rendered, second, first);

        Assert.Equal((9, 2500.0, (string?)null), (merged.Pools![0].Count, merged.Pools[0].TimeoutMs, merged.Pools[0].Region));
        Assert.Equal(ScenarioJson.Write(first with { Pools = [first.Pools![0] with { TimeoutMs = 2500, Region = null }] }), ScenarioJson.Write(merged));
        // Built from the draft as it is now: the edit itself, unchanged.
        Assert.Same(second, InferencePlanner.Web.Components.Editors.DraftEditor.Merge(rendered, second, rendered));
        // A list the edit lengthened (a pool added from the older render) is taken whole; a pool added since the render
        // stays when an edit from the older render changes another pool's field.
        var added = rendered with { Pools = [pool, pool with { Name = "second" }] };
        Assert.Equal(2, InferencePlanner.Web.Components.Editors.DraftEditor.Merge(rendered, added, first).Pools!.Count);
        var stale = InferencePlanner.Web.Components.Editors.DraftEditor.Merge(rendered, second, added);
        Assert.Equal(["h100-east", "second"], stale.Pools!.Select(p => p.Name));
        Assert.Equal((2500.0, (string?)null), (stale.Pools![0].TimeoutMs, stale.Pools[0].Region));
    }

    [Fact]
    public async Task GenerativeFields_EditTheDocument_ModelPrecisionParallelismBatchingEngineTokensAndSlo()
    {
        var page = Open(await ChatbotAsync("generative form"));

        await Select(page, "llm-model-h100", "llama-3-70b");
        await Select(page, "llm-precision-h100", "fp8");
        await Select(page, "llm-kv-h100", "fp8");
        await Select(page, "llm-tp-h100", 4);
        await ChangeAsync(page, "llm-tokens-h100", "4096");
        await ChangeAsync(page, "llm-seqs-h100", "64");
        await ChangeAsync(page, "tokens-input-mean", "2000");
        await ChangeAsync(page, "tokens-output-max", "800");
        await ChangeAsync(page, "slo-ttft", "800");
        await ChangeAsync(page, "slo-tpot", "40");
        foreach (var id in new[] { "llm-prefix-h100", "llm-async-h100" })
        {
            var toggle = page.FindComponents<MudSwitch<bool>>().Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var v) && (string?)v == id).Instance;
            Assert.True(toggle.Value);
            await page.InvokeAsync(() => toggle.ValueChanged.InvokeAsync(false));
        }

        page.WaitForAssertion(() =>
        {
            var draft = Draft(page);
            var llm = draft.Pools![0].Llm!;
            Assert.Equal((false, false), (llm.PrefixCaching, llm.AsyncScheduling));
            Assert.Equal("llama-3-70b", llm.Model!.Name);
            Assert.Equal("fp8", llm.Precision);
            Assert.Equal("fp8", llm.KvPrecision);
            Assert.Equal(4, llm.TensorParallel);
            Assert.Equal(4096, llm.MaxBatchedTokens);
            Assert.Equal(64, llm.MaxSequences);
            Assert.Equal(2000, draft.Workload!.Tokens!.Input!.Mean);
            Assert.Equal(800, draft.Workload.Tokens.Output!.Max);
            Assert.Equal(800, draft.Slo!.TtftMs);
            Assert.Equal(40, draft.Slo.TpotMs);
        });

        // The histogram handed to Plotly is the distributions' as the form now has them.
        var chart = page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "tokens-histogram").Instance;
        Assert.Equal(2, chart.Traces.Count);
    }

    [Fact]
    public async Task AHuggingFaceConfig_PastedOrUploaded_BecomesTheInlineModel_ABrokenOneChangesNothing()
    {
        var page = Open(await ChatbotAsync("config form"));
        await ClickAsync(page, "[data-testid=llm-config-open-h100]");

        // Qwen2-7B's config.json, with the keys the step model does not read (they are skipped).
        const string Qwen = """
            { "architectures": ["Qwen2ForCausalLM"], "hidden_act": "silu", "hidden_size": 3584, "intermediate_size": 18944,
              "max_position_embeddings": 32768, "model_type": "qwen2", "num_attention_heads": 28, "num_hidden_layers": 28,
              "num_key_value_heads": 4, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": false,
              "torch_dtype": "bfloat16", "vocab_size": 152064 }
            """;
        await ChangeAsync(page, "llm-config-h100", Qwen, "textarea");
        page.WaitForAssertion(() =>
        {
            var inline = Draft(page).Pools![0].Llm!.Model!.Inline!;
            Assert.Equal(28, inline.NumHiddenLayers);
            Assert.Equal(3584, inline.HiddenSize);
            Assert.Equal(4, inline.NumKeyValueHeads);
            Assert.Equal(152064, inline.VocabSize);
        });
        var before = Document(page);

        // Missing the layer count: named, and the document keeps the last good model.
        await ChangeAsync(page, "llm-config-h100", """{ "hidden_size": 4096 }""", "textarea");
        page.WaitForAssertion(() => Assert.Contains("nothing was changed", page.Find("[data-testid=llm-config-error-h100]").TextContent, StringComparison.Ordinal));
        Assert.Contains("$.pools[0].llm.model", page.Find("[data-testid=llm-config-error-h100]").TextContent, StringComparison.Ordinal);
        Assert.Equal(before, Document(page));

        // Uploaded as a file: the same as pasting it.
        page.FindComponents<MudFileUpload<IBrowserFile>>()
            .Single(c => c.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == "llm-config-upload-h100")
            .FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(Qwen.Replace("\"num_hidden_layers\": 28", "\"num_hidden_layers\": 30", StringComparison.Ordinal), "config.json"));
        page.WaitForAssertion(() => Assert.Equal(30, Draft(page).Pools![0].Llm!.Model!.Inline!.NumHiddenLayers));
    }

    [Fact]
    public async Task WhatIfs_Pricing_Mix_Autoscaling_AndGrowthUncertainty_EditTheDocument()
    {
        var page = Open(await ChatbotAsync("what-if form"));

        await ChangeAsync(page, "whatif-pue", "1.5");
        await ChangeAsync(page, "whatif-grid", "120");
        await ChangeAsync(page, "whatif-electricity", "0.11");
        await ChangeAsync(page, "economics-life", "6");
        await ClickAsync(page, "[data-testid=whatif-price-add]");
        await ChangeAsync(page, "whatif-price-usd-0", "2.4");
        await ChangeAsync(page, "whatif-price-note-0", "negotiated, 2026");
        await Select(page, "economics-pricing", "reserved-1y");
        await Select(page, "economics-mix", "carbon");
        await ChangeAsync(page, "economics-autoscaling", true);
        await ClickAsync(page, "[data-testid=add-growth]");
        await ChangeAsync(page, "growth-sd", "3");

        page.WaitForAssertion(() =>
        {
            var draft = Draft(page);
            var whatIf = draft.Economics!.WhatIf!;
            Assert.Equal(1.5, whatIf.Pue);
            Assert.Equal(120, whatIf.GridGramsCo2PerKwh);
            Assert.Equal(0.11, whatIf.ElectricityUsdPerKwh);
            var price = Assert.Single(whatIf.DevicePrices!);
            Assert.Equal(("nvidia-h100-sxm", 2.4, "negotiated, 2026"), (price.Device, price.UsdPerDeviceHour!.Value, price.Note));
            Assert.Equal(6, draft.Economics.DeviceLifeYears);
            Assert.Equal("reserved-1y", draft.Economics.Pricing);
            Assert.Equal("carbon", draft.Economics.Mix!.Objective);
            Assert.NotNull(draft.Economics.Autoscaling);
            Assert.Equal(3, draft.Growth!.MonthlyGrowthSdPercent);
            Assert.Empty(page.FindAll("[data-testid=plan-error]"));
        });

        // The last what-if removed: no empty object is left in the document.
        await ClickAsync(page, "[data-testid=whatif-price-remove-0]");
        await ChangeAsync(page, "whatif-pue", string.Empty);
        await ChangeAsync(page, "whatif-grid", string.Empty);
        await ChangeAsync(page, "whatif-electricity", string.Empty);
        page.WaitForAssertion(() => Assert.Null(Draft(page).Economics!.WhatIf));
    }

    [Fact]
    public async Task Pools_AreAddedAndRemoved_WithQueueLimitsAndTimeouts()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open(mm4.Id);
        var first = ScenarioJson.Parse(mm4.Json).Pools![0];

        await ClickAsync(page, "[data-testid=add-pool]");
        page.WaitForAssertion(() => Assert.Equal(2, Draft(page).Pools!.Count));
        var added = Draft(page).Pools![1];
        Assert.NotEqual(first.Name, added.Name);
        Assert.Equal(first.Service, added.Service);
        Assert.Equal(1, added.Count);

        await ChangeAsync(page, $"queue-limit-{first.Name}", "20");
        await ChangeAsync(page, $"timeout-{first.Name}", "1500");
        page.WaitForAssertion(() =>
        {
            var pool = Draft(page).Pools![0];
            Assert.Equal(20, pool.MaxQueueLength);
            Assert.Equal(1500, pool.TimeoutMs);
        });

        await ClickAsync(page, $"[data-testid=remove-pool-{added.Name}]");
        page.WaitForAssertion(() => Assert.Equal([first.Name], Draft(page).Pools!.Select(p => p.Name)));
        Assert.Empty(page.FindAll($"[data-testid=remove-pool-{first.Name}]")); // the last pool stays
    }

    [Theory]
    [InlineData("lognormal", 1155, 0.8, 6000)]
    [InlineData("lognormal", 211, 0.6, null)]
    [InlineData("exponential", 300, null, 500)]
    [InlineData("deterministic", 128, null, null)]
    public void TokenHistogram_IsProbabilityMass_AddingUpToOne_WithinTheCap(string distribution, double mean, double? scv, int? max)
    {
        var bars = ChartData.TokenHistogram(new TokenDistributionSpec { Distribution = distribution, Mean = mean, Scv = scv, Max = max }, "prompt");

        Assert.True(bars.Bars);
        Assert.Equal(1, bars.Y.Sum(), 9);
        Assert.All(bars.Y, y => Assert.True(y >= 0));
        Assert.True(bars.X.Max() <= (max ?? int.MaxValue));
        // The bars' mean (mass × bin centre) is the distribution's mean within the bins' width.
        var width = bars.BarWidths?[0] ?? 1;
        var centreMean = bars.X.Zip(bars.Y, (x, y) => x * y).Sum();
        if (max is null)
        {
            Assert.InRange(centreMean, mean - width, mean + width);
        }
    }
}
