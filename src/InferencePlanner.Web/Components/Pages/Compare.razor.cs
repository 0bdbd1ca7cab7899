using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Compare
{
    private Guid? _job;

    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required PlannerActions Actions { get; init; }

    [Inject]
    public required WorkQueueService Queue { get; init; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private List<int> Chosen { get; } = [];
    private IReadOnlyList<PlannerActions.ComparedScenario>? Rows { get; set; }
    private bool Running { get; set; }
    private double Progress { get; set; }
    private string? Message { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Queue.Changed += OnJobChanged;
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
            Running = true;
            Progress = 0;
            _job = await Actions.CompareAsync(picked);
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

    private void OnJobChanged(JobStatus status)
    {
        if (status.Id != _job)
        {
            return;
        }

        _ = InvokeAsync(() =>
        {
            Progress = status.Progress;
            if (status.State == JobState.Succeeded)
            {
                Running = false;
                Rows = PlannerActions.ReadComparison(status.ResultJson);
            }
            else if (status.State is JobState.Failed or JobState.Cancelled)
            {
                Running = false;
                Message = status.Error;
            }

            StateHasChanged();
        });
    }

    public void Dispose()
    {
        Queue.Changed -= OnJobChanged;
        GC.SuppressFinalize(this);
    }
}
