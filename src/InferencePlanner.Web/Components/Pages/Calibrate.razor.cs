using System.Globalization;
using InferencePlanner.Calibration.Projection;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Components.Charts;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Profiling;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Components.Pages;

public partial class Calibrate : JobPage
{
    private bool _uploading;

    [Inject]
    public required IDbContextFactory<PlannerDb> Db { get; init; }

    [Inject]
    public required PlannerStorage Storage { get; init; }

    private string Model { get; set; } = "mlp";
    private string Batches { get; set; } = "1,2,4,8";
    private ThroughputProfile? Profile { get; set; }
    /// <summary>Whether the profile on the page has been saved (saving it again is offered for the next measurement only).</summary>
    private bool Saved { get; set; }
    private IReadOnlyList<ProjectionResult> Projections { get; set; } = [];
    protected override bool Running => _uploading || base.Running;

    /// <summary>The batch sizes typed, or null (with the message set) when one is not a whole number from 1 to 256.</summary>
    private List<int>? ParseBatches()
    {
        var batches = new List<int>();
        foreach (var part in Batches.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) || b < 1 || b > 256)
            {
                Message = $"batch sizes: '{part}' is not a whole number from 1 to 256";
                return null;
            }

            batches.Add(b);
        }

        if (batches.Count == 0)
        {
            Message = "batch sizes: give at least one, e.g. 1,2,4,8";
            return null;
        }

        return [.. batches.Distinct().Order()];
    }

    private async Task UploadAsync(IBrowserFile? file)
    {
        Message = null;
        if (file is null || ParseBatches() is not { } batches)
        {
            return;
        }

        if (!file.Name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            Message = $"{file.Name}: not a .onnx file";
            return;
        }

        if (file.Size > OnnxFileModel.DefaultMaxBytes)
        {
            Message = $"{file.Name}: {file.Size / 1048576.0:N0} MB is over the {OnnxFileModel.DefaultMaxBytes / 1048576:N0} MB limit";
            return;
        }

        // Kept under a folder of its own with its own name (the profile is named after it), removed when profiling ends.
        var safe = string.Concat(Path.GetFileNameWithoutExtension(file.Name).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));
        var folder = Storage.NewUploadFolder();
        var path = Path.Combine(folder, (safe.Length == 0 ? "model" : safe) + ".onnx");
        _uploading = true;
        var started = false;
        try
        {
            await using (var target = File.Create(path))
            {
                await file.OpenReadStream(OnnxFileModel.DefaultMaxBytes).CopyToAsync(target);
            }

            started = await Watcher.StartAsync(() => Actions.CalibrateFileAsync(path, file.Name, batches));
            Message = started ? null : "The work queue is full: try again shortly.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or TaskCanceledException)
        {
            Message = $"{file.Name}: the upload failed ({ex.Message})";
        }
        finally
        {
            _uploading = false;
            if (!started)
            {
                // The job (which deletes it when it ends) never took the file.
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task RunAsync()
    {
        Message = null;
        if (ParseBatches() is not { } batches)
        {
            return;
        }

        try
        {
            if (!await Watcher.StartAsync(() => Actions.CalibrateAsync(Model, batches)))
            {
                Message = "The work queue is full: try again shortly.";
            }
        }
        catch (ScenarioException ex)
        {
            Message = ex.Message;
        }
    }

    private async Task SaveAsync()
    {
        if (Profile is null)
        {
            return;
        }

        await using var db = await Db.CreateDbContextAsync();
        var saved = await Actions.SaveProfileAsync(Profile, db);
        Message = saved.Id == Profile.Id
            ? $"Saved: scenarios can now use \"service\": {{ \"profile\": \"{saved.Id}\" }}."
            : $"Saved as \"{saved.Id}\" (\"{Profile.Id}\" is taken and keeps its figures): scenarios can now use \"service\": {{ \"profile\": \"{saved.Id}\" }}.";
        Profile = saved;
        Saved = true; // once: a second click would keep the same measurement again under another id
    }

    protected override void OnFinished(JobStatus status)
    {
        if (status.State == JobState.Succeeded && status.ResultJson is { } json)
        {
            Profile = System.Text.Json.JsonSerializer.Deserialize<ThroughputProfile>(json, ScenarioJson.Options);
            Saved = false;
            Projections = Profile is null || !ModelZoo.Names.Contains(Profile.Model, StringComparer.Ordinal) ? [] : Actions.Projections(Profile.Model);
        }
        else
        {
            Message = status.Problem;
        }
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
}
