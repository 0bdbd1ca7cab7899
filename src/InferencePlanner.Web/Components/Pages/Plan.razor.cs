using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using System.Diagnostics;
using InferencePlanner.Simulation.Results;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace InferencePlanner.Web.Components.Pages;

public partial class Plan : IDisposable
{
    private Guid? _whatIf;
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
    private bool WhatIfRunning { get; set; }
    private double? WhatIfSeconds { get; set; }
    private string? WhatIfError { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Queue.Changed += OnJobChanged;
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
        if (_whatIf is { } previous)
        {
            Queue.Cancel(previous);
            _whatIf = null;
        }

        if (Draft is null || Errors.Count > 0)
        {
            WhatIfRunning = false;
            return;
        }

        WhatIfError = null;
        WhatIfRunning = true;
        _whatIfStarted = Stopwatch.GetTimestamp();
        try
        {
            _whatIf = await Actions.SimulateAsync(Draft);
            WhatIfRunning = _whatIf is not null;
        }
        catch (ScenarioException ex)
        {
            WhatIfRunning = false;
            WhatIfError = ex.Message;
        }
    }

    private void OnJobChanged(JobStatus status)
    {
        if (status.Id != _whatIf || status.State is JobState.Queued or JobState.Running)
        {
            return;
        }

        _ = InvokeAsync(() =>
        {
            if (status.Id != _whatIf)
            {
                return;
            }

            WhatIfRunning = false;
            if (status.State == JobState.Succeeded)
            {
                WhatIf = PlannerActions.ReadSimulation(status.ResultJson);
                WhatIfSeconds = Stopwatch.GetElapsedTime(_whatIfStarted).TotalSeconds;
            }
            else if (status.State == JobState.Failed)
            {
                WhatIfError = status.Error;
            }

            StateHasChanged();
        });
    }

    public void Dispose()
    {
        Queue.Changed -= OnJobChanged;
        if (_whatIf is { } running)
        {
            Queue.Cancel(running);
        }

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
    }

    private async Task SaveAsNewAsync()
    {
        if (Draft is null)
        {
            return;
        }

        var created = await Store.CreateAsync(Draft with { Name = $"{Draft.Name} (copy)" });
        await SelectAsync(created.Id);
        Say(Severity.Success, $"Saved as a new scenario, '{created.Name}'.");
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
