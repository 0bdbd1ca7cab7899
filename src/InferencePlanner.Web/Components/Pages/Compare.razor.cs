using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

public partial class Compare : JobPage
{
    [Inject]
    public required ScenarioStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>The chosen scenarios' ids, comma-separated, in the URL so that a comparison can be shared as a link.</summary>
    [SupplyParameterFromQuery(Name = "scenarios")]
    public string? ChosenIds { get; set; }

    private IReadOnlyList<ScenarioRecord> Scenarios { get; set; } = [];
    private List<int> Chosen { get; } = [];
    private IReadOnlyList<PlannerActions.ComparedScenario>? Rows { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Scenarios = await Store.ListAsync();
        // Ids that are not (or no longer) saved scenarios are left out; the order given is kept.
        foreach (var part in (ChosenIds ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                && Scenarios.Any(s => s.Id == id) && !Chosen.Contains(id))
            {
                Chosen.Add(id);
            }
        }
    }

    private void Toggle(int id, bool on)
    {
        Chosen.Remove(id);
        if (on)
        {
            Chosen.Add(id);
        }

        ChosenIds = Chosen.Count > 0 ? string.Join(',', Chosen) : null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("scenarios", ChosenIds), replace: true);
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
