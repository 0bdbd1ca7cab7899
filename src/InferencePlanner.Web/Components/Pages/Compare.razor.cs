using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Compare
{
    private JobWatcher? _watcher;

    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required PlannerActions Actions { get; init; }

    [Inject]
    public required WorkQueueService Queue { get; init; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private List<int> Chosen { get; } = [];
    private IReadOnlyList<PlannerActions.ComparedScenario>? Rows { get; set; }
    private bool Running => _watcher?.Running ?? false;
    private double Progress => _watcher?.Progress ?? 0;
    private string? Message { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _watcher = new JobWatcher(Queue, InvokeAsync, StateHasChanged, OnFinished);
        Scenarios = await Store.ListAsync();
    }

    private void Toggle(int id, bool on)
    {
        Chosen.Remove(id);
        if (on)
        {
            Chosen.Add(id);
        }
    }

    private async Task RunAsync()
    {
        Message = null;
        try
        {
            var picked = Chosen.Select(id => Scenarios.Single(s => s.Id == id)).Select(s => (s.Id, s.Name, ScenarioJson.Parse(s.Json))).ToList();
            if (picked.Select(p => (p.Name, Errors: Actions.Validate(p.Item3))).FirstOrDefault(p => p.Errors.Count > 0) is { Errors: { } errors } bad)
            {
                Message = $"{bad.Name}: {string.Join("; ", errors.Select(e => e.ToString()))}";
                return;
            }

            if (!await _watcher!.StartAsync(() => Actions.CompareAsync(picked)))
            {
                Message = "The work queue is full: try again shortly.";
            }
        }
        catch (ScenarioException ex)
        {
            Message = ex.Message;
        }
    }

    private void Cancel() => _watcher?.Cancel();

    private void OnFinished(JobStatus status)
    {
        Rows = status.State == JobState.Succeeded ? PlannerActions.ReadComparison(status.ResultJson) : Rows;
        Message = status.Problem;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        GC.SuppressFinalize(this);
    }
}
