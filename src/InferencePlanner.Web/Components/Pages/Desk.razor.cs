using System.Globalization;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Planning.Reports;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace InferencePlanner.Web.Components.Pages;

/// <summary>
/// The overview's three desks of one scenario: infrastructure (fleet per pool and month, SLO, utilization and headroom,
/// what bounds each pool), finance (USD per month with its band, per million queries or output tokens, each pricing,
/// the assumptions) and sustainability (kWh, operational and embodied carbon, per query, other PUEs and regions side by
/// side). Each is a screen long, printable, with a sentence on top. Scenario and desk are in the URL.
/// </summary>
public partial class Desk : JobPage
{
    internal static readonly string[] Views = ["infra", "finance", "sustainability"];

    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime Js { get; init; }

    [SupplyParameterFromQuery(Name = "scenario")]
    public int? ScenarioId { get; set; }

    [SupplyParameterFromQuery(Name = "view")]
    public string? View { get; set; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private ScenarioRecord? Selected { get; set; }
    private DeskReport? Report { get; set; }

    private string DeskTitle => View switch
    {
        "finance" => "Finance desk",
        "sustainability" => "Sustainability desk",
        _ => "Infrastructure desk",
    };

    /// <summary>Shows another desk of the same report; the URL follows, so that a desk can be shared as a link.</summary>
    private void Show(string view)
    {
        View = view;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("view", view), replace: true);
    }

    protected override async Task OnInitializedAsync()
    {
        View = Views.Contains(View, StringComparer.Ordinal) ? View : Views[0];
        Scenarios = await Store.ListAsync();
        Selected = Scenarios.FirstOrDefault(s => s.Id == ScenarioId);
    }

    private Task SelectAsync(int? id)
    {
        ScenarioId = id;
        Selected = Scenarios.FirstOrDefault(s => s.Id == id);
        Report = null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("scenario", id), replace: true);
        return Task.CompletedTask;
    }

    private async Task RunAsync()
    {
        if (Selected is { } selected)
        {
            await StartAsync(selected, scenario => Actions.DeskAsync(scenario, selected.Id, selected.Version), scenario =>
                scenario.Slo is null || (scenario.Slo.LatencyMs is null && scenario.Slo.TtftMs is null && scenario.Slo.TpotMs is null)
                    ? "$.slo: the desks size the fleet for its SLO; set a latency target (or TTFT and TPOT for generative pools) on the plan page"
                    : null);
        }
    }

    protected override void OnFinished(JobStatus status)
    {
        Report = status.State == JobState.Succeeded ? PlannerActions.ReadDesk(status.ResultJson) : Report;
        Message = status.Problem;
    }

    private async Task PrintAsync() => await Js.InvokeVoidAsync("print");

    internal static string Usd(double? value) => value is { } usd ? $"{usd.ToString(usd >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture)} USD" : "unknown";

    /// <summary>Carbon in tonnes, or in kilograms below one tonne (so that a small fleet's figure does not read 0.00 t).</summary>
    internal static string Tonnes(double kg) => kg >= 1000
        ? $"{(kg / 1000).ToString("N2", CultureInfo.InvariantCulture)} t CO2e"
        : $"{kg.ToString("N1", CultureInfo.InvariantCulture)} kg CO2e";

    /// <summary>A variant's month-0 carbon, operational and embodied, kg to one decimal.</summary>
    internal static string Kg(DeskVariant variant) => (variant.OperationalCarbonKgMonth0 + variant.EmbodiedCarbonKgMonth0).ToString("N1", CultureInfo.InvariantCulture);

    internal static string Band(Band? band, string prefix) => band is { } b
        ? $"{prefix}{b.P10.ToString("N0", CultureInfo.InvariantCulture)} – {b.P90.ToString("N0", CultureInfo.InvariantCulture)}"
        : "no band (growth is certain, or a cost unknown)";

    /// <summary>Devices in the month: replicas × tensor-parallel degree, summed over the pools.</summary>
    internal static string Devices(MonthForecast month) => month.Pools.Sum(p => p.Count * (p.TensorParallel ?? 1)).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A pool's month: "3 + 1 headroom" servers (× TP devices each), with its busy share unless it batches continuously.</summary>
    internal static string PoolCell(PoolForecast pool)
    {
        var spare = pool.Count - pool.RequiredCount;
        var count = spare > 0 && pool.RequiredCount > 0 ? $"{pool.RequiredCount:N0} + {spare:N0} headroom" : $"{pool.Count:N0}";
        var tp = pool.TensorParallel is { } degree ? $" × TP{degree}" : string.Empty;
        var busy = pool.TensorParallel is null ? $" ({pool.Utilization.ToString("P0", CultureInfo.InvariantCulture)} busy)" : string.Empty;
        return pool.Count == 0 ? "0" : $"{count}{tp}{busy}";
    }

    /// <summary>The month's busy share and what is left, for request/response pools; a generative month's is not a headroom.</summary>
    internal static string Utilization(MonthForecast month) =>
        month.Unmet is not null ? "—"
            : month.Pools.Any(p => p.Count > 0 && p.TensorParallel is not null) ? "— (continuous batching)"
            : $"{month.Utilization.ToString("P0", CultureInfo.InvariantCulture)} ({Math.Max(0, 1 - month.Utilization).ToString("P0", CultureInfo.InvariantCulture)})";

    /// <summary>What the finance figures rest on: each pool's price and source, the what-ifs, the energy boundary, the warnings.</summary>
    internal static IEnumerable<string> Assumptions(DeskReport report)
    {
        foreach (var pool in report.Forecast.Months[0].Pools.Where(p => p.Count > 0 && !p.Edge))
        {
            yield return pool.UsdPerDeviceHour is { } price
                ? $"{pool.Name}: {price.ToString("0.####", CultureInfo.InvariantCulture)} USD per device-hour ({pool.Pricing}); {pool.PriceSource}"
                : $"{pool.Name}: cost unknown — {pool.PriceSource}";
        }

        foreach (var line in report.Forecast.WhatIfs.Concat(report.Forecast.EnergyAssumptions).Concat(report.Forecast.Warnings))
        {
            yield return line;
        }

        yield return "Bands: P10–P90 of the months' costs under the growth's uncertainty; other pricings are the same fleet at that price (unknown where the catalog has none).";
    }
}
