using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using System.Diagnostics;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Workload;
using InferencePlanner.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace InferencePlanner.Web.Components.Pages;

public partial class Plan : IDisposable
{
    private JobWatcher? _whatIf;
    private long _whatIfStarted;

    [Inject]
    public required WorkQueueService Queue { get; init; }

    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required PlannerActions Actions { get; init; }

    [Inject]
    public required DeviceCatalog CatalogData { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required PlannerStorage Storage { get; init; }

    /// <summary>The scenario being edited: the URL reopens it.</summary>
    [SupplyParameterFromQuery(Name = "scenario")]
    public int? ScenarioId { get; set; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private ScenarioRecord? Record { get; set; }
    private Scenario? Draft { get; set; }
    private string Json { get; set; } = string.Empty;
    private IReadOnlyList<ScenarioError> Errors { get; set; } = [];
    private string? Message { get; set; }
    private Severity MessageSeverity { get; set; } = Severity.Info;

    /// <summary>The latest what-if: a bounded simulation of the draft, re-run whenever a valid edit lands.</summary>
    private SimulationResult? WhatIf { get; set; }
    private bool WhatIfRunning => _whatIf?.Running ?? false;
    private double? WhatIfSeconds { get; set; }
    private string? WhatIfError { get; set; }

    /// <summary>The replayed trace at a glance (read when the draft names a trace), or why it cannot be read.</summary>
    private TraceSummary? TraceInfo { get; set; }
    private string? TraceError { get; set; }
    private string? _traceShown;

    protected override async Task OnInitializedAsync()
    {
        _whatIf = new JobWatcher(Queue, InvokeAsync, StateHasChanged, OnWhatIfFinished);
        Scenarios = await Store.ListAsync();
        Load(Scenarios.FirstOrDefault(s => s.Id == ScenarioId));
    }

    private async Task SelectAsync(int? id)
    {
        ScenarioId = id;
        Scenarios = await Store.ListAsync();
        Load(Scenarios.FirstOrDefault(s => s.Id == id));
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("scenario", id), replace: true);
    }

    private void Load(ScenarioRecord? record)
    {
        Record = record;
        Message = null;
        if (record is null)
        {
            Draft = null;
            return;
        }

        Json = record.Json;
        JsonChanged(record.Json);
    }

    /// <summary>A form edit: the draft changes, the document follows, and it is validated at once.</summary>
    private void Edit(Scenario draft)
    {
        Draft = draft;
        Json = ScenarioJson.Write(draft);
        Errors = Actions.Validate(draft);
        ShowTrace();
        _ = RunWhatIfAsync();
    }

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
            Edit(Draft with { Workload = workload with { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Trace, Path = path, Speedup = 1 } } });
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
        var scenarios = Core.DataFolders.Find("scenarios");
        if (!Storage.AllowsTrace(path, scenarios, Core.DataFolders.Find("traces")))
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
            ? $"{(100 * cls.Weight.Value / total).ToString("0", System.Globalization.CultureInfo.InvariantCulture)} % of queries"
            : "";
    }

    /// <summary>Re-runs the what-if for a valid draft (a newer edit cancels the older run).</summary>
    private async Task RunWhatIfAsync()
    {
        if (Draft is not { } draft || Errors.Count > 0)
        {
            _whatIf?.Cancel();
            return;
        }

        WhatIfError = null;
        _whatIfStarted = Stopwatch.GetTimestamp();
        try
        {
            await _whatIf!.StartAsync(() => Actions.SimulateAsync(draft));
        }
        catch (ScenarioException ex)
        {
            WhatIfError = ex.Message;
        }
    }

    private void OnWhatIfFinished(JobStatus status)
    {
        if (status.State == JobState.Succeeded)
        {
            WhatIf = PlannerActions.ReadSimulation(status.ResultJson);
            WhatIfSeconds = Stopwatch.GetElapsedTime(_whatIfStarted).TotalSeconds;
        }
        else if (status.State == JobState.Failed)
        {
            WhatIfError = status.Error;
        }
    }

    public void Dispose()
    {
        // A what-if nobody will see is not worth finishing.
        _whatIf?.Cancel();
        _whatIf?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A document edit: parsed and validated; the form follows when it parses.</summary>
    private void JsonChanged(string json)
    {
        Json = json;
        try
        {
            var parsed = ScenarioJson.Parse(json);
            Draft = parsed;
            Errors = Actions.Validate(parsed);
            ShowTrace();
            _ = RunWhatIfAsync();
        }
        catch (ScenarioException ex)
        {
            Errors = ex.Errors;
        }
    }

    private async Task SaveAsync()
    {
        if (Record is null || Draft is null)
        {
            return;
        }

        try
        {
            Record = await Store.SaveAsync(Record.Id, Draft, Record.Version);
            Scenarios = await Store.ListAsync();
            Say(Severity.Success, $"Saved as version {Record.Version}.");
        }
        catch (ScenarioConflictException ex)
        {
            Say(Severity.Error, ex.Message);
        }
        catch (ScenarioNameTakenException ex)
        {
            Say(Severity.Error, $"Not saved: {ex.Message}.");
        }
        catch (KeyNotFoundException)
        {
            Say(Severity.Error, "Not saved: the scenario was deleted meanwhile. Save it as new to keep this draft.");
        }
    }

    private async Task SaveAsNewAsync()
    {
        if (Draft is null)
        {
            return;
        }

        try
        {
            var created = await Store.CreateAsync(Draft with { Name = await Store.FreeNameAsync($"{Draft.Name} (copy)") });
            await SelectAsync(created.Id);
            Say(Severity.Success, $"Saved as a new scenario, '{created.Name}'.");
        }
        catch (ScenarioNameTakenException ex)
        {
            // Someone took the free name a moment before: say so; another click finds the next one.
            Say(Severity.Error, $"Not saved: {ex.Message}.");
        }
    }

    private void Say(Severity severity, string message)
    {
        MessageSeverity = severity;
        Message = message;
    }

    internal static List<double> WithHour(IReadOnlyList<double> shape, int hour, double share)
    {
        var copy = shape.ToList();
        copy[hour] = share;
        return copy;
    }

    private static List<PoolSpec> Replace(IReadOnlyList<PoolSpec> pools, int index, PoolSpec pool)
    {
        var copy = pools.ToList();
        copy[index] = pool;
        return copy;
    }
}
