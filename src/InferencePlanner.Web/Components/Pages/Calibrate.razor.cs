using System.Globalization;
using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Components.Charts;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Components.Pages;

public partial class Calibrate
{
    private Guid? _job;

    [Inject]
    public required PlannerActions Actions { get; init; }

    [Inject]
    public required WorkQueueService Queue { get; init; }

    [Inject]
    public required IDbContextFactory<PlannerDb> Db { get; init; }

    private string Model { get; set; } = "mlp";
    private string Batches { get; set; } = "1,2,4,8";
    private ThroughputProfile? Profile { get; set; }
    private IReadOnlyList<ProjectionResult> Projections { get; set; } = [];
    private bool Running { get; set; }
    private double Progress { get; set; }
    private string? Message { get; set; }

    protected override void OnInitialized() => Queue.Changed += OnJobChanged;

    private async Task RunAsync()
    {
        Message = null;
        var batches = new List<int>();
        foreach (var part in Batches.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) || b < 1 || b > 256)
            {
                Message = $"batch sizes: '{part}' is not a whole number from 1 to 256";
                return;
            }

            batches.Add(b);
        }

        try
        {
            Running = true;
            Progress = 0;
            _job = await Actions.CalibrateAsync(Model, batches.Distinct().Order().ToList());
            if (_job is null)
            {
                Running = false;
                Message = "The work queue is full: try again shortly.";
            }
        }
        catch (ScenarioException ex)
        {
            Running = false;
            Message = ex.Message;
        }
    }

    private void Cancel()
    {
        if (_job is { } id)
        {
            Queue.Cancel(id);
        }
    }

    private async Task SaveAsync()
    {
        if (Profile is null)
        {
            return;
        }

        await using var db = await Db.CreateDbContextAsync();
        await Actions.SaveProfileAsync(Profile, db);
        Message = $"Saved: scenarios can now use \"service\": {{ \"profile\": \"{Profile.Id}\" }}.";
    }

    private void OnJobChanged(JobStatus status)
    {
        if (status.Id != _job)
        {
            return;
        }

        _ = InvokeAsync(() =>
        {
            Progress = status.Progress;
            if (status.State == JobState.Succeeded && status.ResultJson is { } json)
            {
                Running = false;
                Profile = System.Text.Json.JsonSerializer.Deserialize<ThroughputProfile>(json, ScenarioJson.Options);
                Projections = Profile is null ? [] : Actions.Projections(Profile.Model);
            }
            else if (status.State is JobState.Failed or JobState.Cancelled)
            {
                Running = false;
                Message = status.State == JobState.Cancelled ? "Cancelled." : status.Error;
            }

            StateHasChanged();
        });
    }

    internal static IReadOnlyList<PlotSeries> LatencySeries(ThroughputProfile p)
    {
        var x = p.Points.Select(q => (double)q.Batch).ToList();
        var series = new List<PlotSeries> { new("median", x, p.Points.Select(q => q.MedianMs).ToList()), new("p99", x, p.Points.Select(q => q.P99Ms).ToList()) };
        if (p.Fit is { } fit)
        {
            series.Add(new PlotSeries("α + β·b", x, x.Select(b => fit.AlphaMs + (fit.BetaMs * b)).ToList()));
        }

        return series;
    }

    internal static IReadOnlyList<PlotSeries> ThroughputSeries(ThroughputProfile p) =>
        [new("items/s", p.Points.Select(q => (double)q.Batch).ToList(), p.Points.Select(q => q.Batch / (q.MedianMs / 1000)).ToList())];

    private static string FitText(ThroughputProfile p) => p.Fit is { } f
        ? $"{f.AlphaMs.ToString("N2", CultureInfo.InvariantCulture)} + {f.BetaMs.ToString("N3", CultureInfo.InvariantCulture)}·b ms"
        : "—";

    public void Dispose()
    {
        Queue.Changed -= OnJobChanged;
        GC.SuppressFinalize(this);
    }
}
