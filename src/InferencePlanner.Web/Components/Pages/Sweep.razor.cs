using System.Globalization;
using System.Text.Json;
using InferencePlanner.Cluster;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sweeps;
using InferencePlanner.Web.Api;
using InferencePlanner.Web.Components.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace InferencePlanner.Web.Components.Pages;

/// <summary>
/// The sweep page: a sweep document checked here (each problem named), run on the app's cluster, its progress and rows
/// polled as they land, the table sortable and the Pareto front of cost against p99 drawn. The sweep's id is in the
/// URL, so that its results can be reopened and shared.
/// </summary>
public partial class Sweep
{
    private readonly CancellationTokenSource _stop = new();

    [Inject]
    public required SweepService Sweeps { get; init; }

    [Inject]
    public required Persistence.CatalogService Catalogs { get; init; }

    [Inject]
    public required Core.Profiles.ProfileStore Profiles { get; init; }

    [Inject]
    public required IOptions<ApiOptions> Limits { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromQuery(Name = "id")]
    public Guid? SweepId { get; set; }

    private string Document { get; set; } = string.Empty;
    private SweepStatus? Status { get; set; }
    private IReadOnlyList<SweepRow> Rows { get; set; } = [];
    private string? Problem { get; set; }
    private bool Running => Status?.State == "running";
    private string CostTitle { get; set; } = "USD / month";

    protected override async Task OnInitializedAsync()
    {
        const string Demo = "image-model-devices-regions.json";
        var folder = Core.DataFolders.Find("sweeps", Demo);
        Document = folder is null ? string.Empty : await File.ReadAllTextAsync(Path.Combine(folder, Demo));
        if (SweepId is { } id)
        {
            await RefreshAsync(id);
            if (Status is null)
            {
                Problem = $"id: no sweep has the id {id} (sweeps live as long as the app's cluster)";
            }
            else if (Running)
            {
                _ = PollAsync(id);
            }
        }
    }

    private async Task StartAsync()
    {
        Problem = null;
        DeviceCatalog catalog;
        try
        {
            // Checked here first: every problem named by its path before anything runs.
            catalog = Catalogs.Current;
            SweepDocument.Expand(SweepDocument.Parse(Document), catalog, Limits.Value.MaxSweepVariants);
        }
        catch (ScenarioException ex)
        {
            Problem = string.Join("; ", ex.Errors.Select(e => e.ToString()));
            return;
        }

        Guid id;
        string? problem;
        try
        {
            // The sweep computes with the catalog it was checked against (the team's edits included) on every silo.
            (id, problem) = await Sweeps.StartAsync(Document, Limits.Value.MaxSweepVariants, catalog, Profiles.All);
        }
        catch (Cluster.ClusterUnavailableException ex)
        {
            Problem = $"cluster: {ex.Message}; nothing was started, try again";
            return;
        }

        if (problem is not null)
        {
            Problem = problem;
            return;
        }

        SweepId = id;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("id", id.ToString("D", CultureInfo.InvariantCulture)), replace: true);
        await RefreshAsync(id);
        _ = PollAsync(id);
    }

    private async Task CancelAsync()
    {
        if (SweepId is { } id)
        {
            await Sweeps.CancelAsync(id);
            await RefreshAsync(id);
        }
    }

    /// <summary>Reads the sweep every half second while it runs, on the page's circuit.</summary>
    private async Task PollAsync(Guid id)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (Running && await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(async () =>
                {
                    await RefreshAsync(id);
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed: the sweep goes on on the cluster.
        }
    }

    private async Task RefreshAsync(Guid id)
    {
        try
        {
            Status = await Sweeps.StatusAsync(id);
            Problem = null;
        }
        catch (Cluster.ClusterUnavailableException ex)
        {
            // A silo just died: the sweep's state is stored; the last rows stay shown and the next poll asks again.
            Problem = $"cluster: {ex.Message}; asking again";
            return;
        }

        if (Status is { } status)
        {
            var result = JsonSerializer.Deserialize<SweepResult>(status.ResultJson, SweepJson.Options)!;
            Rows = result.Rows;
            CostTitle = result.Mode == SweepDocument.Forecast ? "USD over the horizon" : "USD / month";
        }
    }

    internal static string Verdict(SweepRow row) => !row.Stable ? $"cannot serve: {row.Reason}"
        : row.CostUsd is null ? "cost unknown (a price is missing)"
        : $"{(row.SloMet == false ? "misses the SLO" : "meets the SLO")}{(row.Pareto ? " · on the front" : string.Empty)}";

    /// <summary>The variants with a cost and a p99 as points, and the Pareto front joined from the cheapest up.</summary>
    internal static IReadOnlyList<PlotSeries> ParetoSeries(IReadOnlyList<SweepRow> rows)
    {
        var priced = rows.Where(r => r.Stable && r.CostUsd is not null && r.P99Ms is not null).ToList();
        var front = priced.Where(r => r.Pareto).OrderBy(r => r.CostUsd).ThenBy(r => r.P99Ms).ToList();
        return
        [
            new PlotSeries("variants", [.. priced.Select(r => r.CostUsd!.Value)], [.. priced.Select(r => r.P99Ms!.Value)]) { Markers = true },
            new PlotSeries("Pareto front", [.. front.Select(r => r.CostUsd!.Value)], [.. front.Select(r => r.P99Ms!.Value)]),
        ];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
