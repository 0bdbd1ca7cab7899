using System.Globalization;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Web.Components.Charts;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Forecast : JobPage
{
    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromQuery(Name = "scenario")]
    public int? ScenarioId { get; set; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private ScenarioRecord? Selected { get; set; }
    private ForecastResult? Result { get; set; }
    private Guid? RunId => Watcher.Id;

    protected override async Task OnInitializedAsync()
    {
        Scenarios = (await Store.ListAsync()).Where(s => s.Json.Contains("\"growth\"", StringComparison.Ordinal)).ToList();
        Selected = Scenarios.FirstOrDefault(s => s.Id == ScenarioId);
    }

    private void Select(int? id)
    {
        ScenarioId = id;
        Selected = Scenarios.FirstOrDefault(s => s.Id == id);
        Result = null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("scenario", id), replace: true);
    }

    private async Task RunAsync()
    {
        if (Selected is { } selected)
        {
            await StartAsync(selected, scenario => Actions.ForecastAsync(scenario, selected.Id, selected.Version));
        }
    }

    protected override void OnFinished(JobStatus status)
    {
        Result = status.State == JobState.Succeeded ? PlannerActions.ReadForecast(status.ResultJson) : Result;
        Message = status.Problem;
    }

    internal static IReadOnlyList<PlotSeries> FleetSeries(ForecastResult f) =>
        f.Months.SelectMany(m => m.Pools).Select(p => p.Name).Distinct(StringComparer.Ordinal)
            .Select(name => Line(f, name, m => m.Pools.Where(p => p.Name == name).Sum(p => p.Count), true)).ToList();

    /// <summary>Cost per pool and month, stacked; a pool whose cost is unknown in any month is not drawn (see <see cref="UnpricedPools"/>).</summary>
    internal static IReadOnlyList<PlotSeries> CostSeries(ForecastResult f)
    {
        var unpriced = UnpricedPools(f);
        var byPool = f.Months.SelectMany(m => m.Pools).Select(p => p.Name).Distinct(StringComparer.Ordinal).Where(name => !unpriced.Contains(name))
            .Select(name => Line(f, name, m => m.Pools.Where(p => p.Name == name).Sum(p => p.CostUsd ?? 0), true)).ToList();
        if (f.Months.All(m => m.CostBand is not null))
        {
            byPool.Add(Line(f, "P10", m => m.CostBand!.P10));
            byPool.Add(Line(f, "P90", m => m.CostBand!.P90));
        }

        return byPool;
    }

    internal static PlotSeries Line(ForecastResult f, string name, Func<MonthForecast, double> value, bool stacked = false) =>
        new(name, f.Months.Select(m => (double)m.Month).ToList(), f.Months.Select(value).ToList(), stacked);

    /// <summary>Pools with a month of unknown cost (no price for their device in their region).</summary>
    internal static IReadOnlyList<string> UnpricedPools(ForecastResult f) =>
        [.. f.Months.SelectMany(m => m.Pools).Where(p => p.Count > 0 && p.CostUsd is null).Select(p => p.Name).Distinct(StringComparer.Ordinal)];

    private static string Usd(double? value) => value is { } usd ? $"{usd.ToString(usd >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture)} USD" : "unknown";

    private static string Known(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "unknown";
}
