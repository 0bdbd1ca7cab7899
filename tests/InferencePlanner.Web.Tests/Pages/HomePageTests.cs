using System.Globalization;
using Bunit;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Components.Pages;

namespace InferencePlanner.Web.Tests.Pages;

public sealed class HomePageTests : PageTestContext
{
    [Fact]
    public void Render_ListsEverySavedScenario_AndSaysNothingIsSimulatedYet()
    {
        var page = Render<Home>();

        var rows = page.FindAll("[data-testid=scenario-list] tbody tr");
        Assert.Equal(InferencePlanner.Web.Persistence.ScenarioStore.DemoFiles.Length, rows.Count);
        Assert.Contains("No scenario simulated yet", page.Find("[data-testid=glance]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_AfterASimulation_ShowsItsFleetP99CostAndCarbon()
    {
        var record = (await Store.ListAsync()).Single(s => s.Name == "chatbot on H100");
        var scenario = ScenarioJson.Parse(record.Json);
        var status = await FinishedAsync(await Actions.SimulateAsync(scenario, record.Id, record.Version));
        Assert.Equal(InferencePlanner.Web.Jobs.JobState.Succeeded, status.State);
        var result = PlannerActions.ReadSimulation(status.ResultJson)!;

        var page = Render<Home>();

        Assert.Contains("chatbot on H100", page.Find("[data-testid=glance]").TextContent, StringComparison.Ordinal);
        Assert.Contains("h100-east: 4 × nvidia-h100-sxm", page.Find("[data-testid=glance-fleet]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"{result.LatencyMs.P99.ToString("N1", CultureInfo.InvariantCulture)} ms", page.Find("[data-testid=glance-p99-value]").TextContent);
        Assert.Contains("meets the SLO of 300 ms", page.Find("[data-testid=glance-p99]").TextContent, StringComparison.Ordinal);
        // Four H100s at the catalog's 6.88 USD/h (AWS us-east-1, on demand) for 730.5 h.
        Assert.Equal($"{(4 * 6.88 * 730.5).ToString("N0", CultureInfo.InvariantCulture)} USD/month", page.Find("[data-testid=glance-cost-value]").TextContent);
        Assert.EndsWith("t CO2e/month", page.Find("[data-testid=glance-carbon-value]").TextContent, StringComparison.Ordinal);
    }
}
