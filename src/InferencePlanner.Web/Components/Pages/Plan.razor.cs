using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Persistence;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace InferencePlanner.Web.Components.Pages;

public partial class Plan
{
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

    private static List<PoolSpec> Replace(IReadOnlyList<PoolSpec> pools, int index, PoolSpec pool)
    {
        var copy = pools.ToList();
        copy[index] = pool;
        return copy;
    }
}
