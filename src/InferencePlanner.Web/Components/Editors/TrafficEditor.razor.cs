using System.Globalization;
using InferencePlanner.Core;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Workload;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace InferencePlanner.Web.Components.Editors;

public partial class TrafficEditor
{
    private string? _traceShown;

    [Inject]
    public required PlannerStorage Storage { get; init; }

    /// <summary>The replayed trace at a glance (read when the draft names a trace), or why it cannot be read.</summary>
    private TraceSummary? TraceInfo { get; set; }

    private string? TraceError { get; set; }

    protected override void OnParametersSet() => ShowTrace();

    /// <summary>
    /// An uploaded trace: every row checked (an error names the line), kept in the data folder, and replayed in
    /// place of the draft's arrivals at the recorded pace.
    /// </summary>
    private async Task UploadTraceAsync(IBrowserFile? file)
    {
        TraceError = null;
        if (file is null || Draft?.Workload is not { } workload)
        {
            return;
        }

        if (!file.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            TraceError = $"{file.Name}: not a .csv file (the columns are TIMESTAMP,ContextTokens,GeneratedTokens)";
            return;
        }

        if (file.Size > PlannerStorage.MaxTraceBytes)
        {
            TraceError = $"{file.Name}: {file.Size / 1048576.0:N1} MB is over the {PlannerStorage.MaxTraceBytes / 1048576:N0} MB limit";
            return;
        }

        try
        {
            await using var stream = file.OpenReadStream(PlannerStorage.MaxTraceBytes);
            var (path, trace) = await Storage.SaveTraceAsync(stream, file.Name);
            TraceInfo = TraceSummary.Of(trace, file.Name);
            _traceShown = path;
            await Edit(Draft with { Workload = workload with { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Trace, Path = path, Speedup = 1 } } });
        }
        catch (TraceFormatException ex)
        {
            TraceError = $"{ex.Message} — nothing was changed";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            TraceError = $"{file.Name}: the upload failed ({ex.Message})";
        }
    }

    /// <summary>
    /// Reads the draft's trace for its summary when the draft names one not yet shown — only a trace this server
    /// allows (uploaded or shipped): a path elsewhere is refused by validation and never opened here.
    /// </summary>
    private void ShowTrace()
    {
        if (Draft?.Workload?.Arrivals is not { Kind: ScenarioNames.Trace, Path: { } path })
        {
            TraceInfo = null;
            _traceShown = null;
            return;
        }

        if (path == _traceShown)
        {
            return;
        }

        _traceShown = path;
        TraceInfo = null;
        var scenarios = DataFolders.Find("scenarios");
        if (!Storage.AllowsTrace(path, scenarios, DataFolders.Find("traces")))
        {
            return; // the validation error names the path
        }

        try
        {
            TraceInfo = TraceSummary.Of(ArrivalTrace.Load(SimulationModel.ResolveTracePath(path, scenarios)), Path.GetFileName(path));
            TraceError = null;
        }
        catch (Exception ex) when (ex is TraceFormatException or IOException or UnauthorizedAccessException)
        {
            TraceError = ex.Message;
        }
    }

    private static string ArrivalKindName(string? kind) => kind switch
    {
        ScenarioNames.Poisson => "Steady (Poisson)",
        ScenarioNames.Diurnal => "Daily pattern",
        ScenarioNames.Bursts => "Bursts",
        ScenarioNames.Trace => "Recorded trace",
        _ => kind ?? "",
    };

    private static string ShareText(QueryClassSpec cls, IReadOnlyList<QueryClassSpec> classes)
    {
        var total = classes.Sum(c => c.Weight is > 0 ? c.Weight.Value : 0);
        return total > 0 && cls.Weight is > 0
            ? $"{(100 * cls.Weight.Value / total).ToString("0", CultureInfo.InvariantCulture)} % of queries"
            : "";
    }

    internal static List<double> WithHour(IReadOnlyList<double> shape, int hour, double share)
    {
        var copy = shape.ToList();
        copy[hour] = share;
        return copy;
    }
}
