using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Compare : JobPage
{
    [Inject]
    public required ScenarioStore Store { get; init; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private List<int> Chosen { get; } = [];
    private IReadOnlyList<PlannerActions.ComparedScenario>? Rows { get; set; }

    protected override async Task OnInitializedAsync()
    {
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

            if (!await Watcher.StartAsync(() => Actions.CompareAsync(picked)))
            {
                Message = "The work queue is full: try again shortly.";
            }
        }
        catch (ScenarioException ex)
        {
            Message = ex.Message;
        }
    }

    protected override void OnFinished(JobStatus status)
    {
        Rows = status.State == JobState.Succeeded ? PlannerActions.ReadComparison(status.ResultJson) : Rows;
        Message = status.Problem;
    }
}
