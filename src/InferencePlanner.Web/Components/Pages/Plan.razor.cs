using System.Diagnostics;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace InferencePlanner.Web.Components.Pages;

/// <summary>
/// The plan page: a scenario's form (traffic, SLO and growth, pools — each its own editor) and its JSON document kept
/// in step, every problem named by its path, versioned saves, and a what-if: each valid edit re-runs a bounded
/// simulation of the draft in the background (a newer edit cancels the older run).
/// </summary>
public partial class Plan : JobPage
{
    private long _whatIfStarted;

    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>The scenario being edited: the URL reopens it.</summary>
    [SupplyParameterFromQuery(Name = "scenario")]
    public int? ScenarioId { get; set; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private ScenarioRecord? Record { get; set; }
    private Scenario? Draft { get; set; }
    private string Json { get; set; } = string.Empty;
    private IReadOnlyList<ScenarioError> Errors { get; set; } = [];
    private Severity MessageSeverity { get; set; } = Severity.Info;

    /// <summary>The latest what-if: a bounded simulation of the draft, re-run whenever a valid edit lands.</summary>
    private SimulationResult? WhatIf { get; set; }
    private double? WhatIfSeconds { get; set; }
    private string? WhatIfError { get; set; }

    /// <summary>A what-if nobody will see is not worth finishing.</summary>
    protected override bool CancelOnLeave => true;

    protected override async Task OnInitializedAsync()
    {
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
        _ = RunWhatIfAsync();
    }

    /// <summary>Re-runs the what-if for a valid draft (a newer edit cancels the older run).</summary>
    private async Task RunWhatIfAsync()
    {
        if (Draft is not { } draft || Errors.Count > 0)
        {
            Cancel();
            return;
        }

        WhatIfError = null;
        _whatIfStarted = Stopwatch.GetTimestamp();
        try
        {
            await Watcher.StartAsync(() => Actions.WhatIfAsync(draft));
        }
        catch (ScenarioException ex)
        {
            WhatIfError = ex.Message;
        }
    }

    protected override void OnFinished(JobStatus status)
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

    /// <summary>A document edit: parsed and validated; the form follows when it parses.</summary>
    private void JsonChanged(string json)
    {
        Json = json;
        try
        {
            var parsed = ScenarioJson.Parse(json);
            Draft = parsed;
            Errors = Actions.Validate(parsed);
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
            // A draft renamed in the form keeps its new name (numbered only if taken); an unchanged name becomes "… (copy)".
            var wanted = Draft.Name is { Length: > 0 } name && !string.Equals(name, Record?.Name, StringComparison.Ordinal) ? name : $"{Draft.Name} (copy)";
            var created = await Store.CreateAsync(Draft with { Name = await Store.FreeNameAsync(wanted) });
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
}
