using System.Globalization;
using Bunit;
using InferencePlanner.Planning.Reports;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using DeskPage = InferencePlanner.Web.Components.Pages.Desk;

namespace InferencePlanner.Web.Tests.Pages;

/// <summary>The three desks of one scenario, rendered with the real services: each figure is the saved report's.</summary>
public sealed class DeskPageTests : PageTestContext
{
    private IRenderedComponent<DeskPage> Open(string path)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(path);
        Render<MudPopoverProvider>();
        return Render<DeskPage>();
    }

    private async Task<DeskReport> SavedAsync()
    {
        await using var db = await Factory.CreateDbContextAsync();
        var run = (await db.Runs.AsNoTracking().Where(r => r.Kind == "desk" && r.Status == "Succeeded").ToListAsync()).OrderByDescending(r => r.FinishedAt).First();
        return PlannerActions.ReadDesk(run.ResultJson)!;
    }

    [Fact]
    public async Task ThreeDesks_OfAGenerativeScenario_ShowTheReportsFigures_AndKeepTheViewInTheUrl()
    {
        var chatbot = (await Store.ListAsync()).Single(s => s.Name == "LLM chatbot on H100");
        var page = Open($"/desk?scenario={chatbot.Id}&view=finance");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=summary]", TimeSpan.FromMinutes(2));
        var report = await SavedAsync();

        // The sentence on top is the report's, and says the fleet, the load, the verdict, the cost and the carbon.
        Assert.Equal(report.Summary, page.Find("[data-testid=summary]").TextContent.Trim());
        Assert.Equal(DeskReport.Sentence(report.Forecast.Months[0], Core.Scenarios.ScenarioJson.Parse(chatbot.Json)), report.Summary);
        Assert.StartsWith("1 nvidia-h100-sxm in gcp-us-central1 serve 10 requests/s", report.Summary, StringComparison.Ordinal);

        // Finance: each pricing's month 0 and total, and per million output tokens.
        var rows = page.FindAll("[data-testid=finance-pricings] tbody tr").Select(tr => tr.Children.Select(td => td.TextContent).ToList()).ToList();
        Assert.Equal(report.Pricings.Select(p => p.Name), rows.Select(r => r[0]));
        Assert.Equal(report.Pricings.Select(p => DeskPage.Usd(p.CostUsdMonth0)), rows.Select(r => r[1]));
        Assert.Equal(DeskPage.Usd(report.CostPerMillionOutputTokensUsd), page.Find("[data-testid=finance-per-token-value]").TextContent.Trim());
        Assert.NotEmpty(page.FindAll("[data-testid=finance-assumption]"));

        // Sustainability: the PUEs and regions side by side.
        await ClickAsync(page, "[data-testid=view-sustainability]");
        page.WaitForElement("[data-testid=desk-sustainability]");
        Assert.EndsWith("view=sustainability", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        Assert.Equal(report.Pues.Count, page.FindAll("[data-testid=sustain-pues] tbody tr").Count);
        Assert.Equal(report.Regions.Count, page.FindAll("[data-testid=sustain-regions] tbody tr").Count);
        var operational = report.Forecast.Months[0].OperationalCarbonKg;
        Assert.Equal(operational >= 1000 ? $"{(operational / 1000).ToString("N2", CultureInfo.InvariantCulture)} t CO2e" : $"{operational.ToString("N1", CultureInfo.InvariantCulture)} kg CO2e",
            page.Find("[data-testid=sustain-operational-value]").TextContent.Trim());
        // Each row's carbon is the variant's, in kg to one decimal.
        Assert.Equal(report.Regions.Select(v => (v.OperationalCarbonKgMonth0 + v.EmbodiedCarbonKgMonth0).ToString("N1", CultureInfo.InvariantCulture)),
            page.FindAll("[data-testid=sustain-regions] tbody tr").Select(tr => tr.Children[2].TextContent.Trim()));

        // Infrastructure: the fleet by month and what bounds the pool.
        await ClickAsync(page, "[data-testid=view-infra]");
        page.WaitForElement("[data-testid=desk-infra]");
        Assert.Equal(report.Forecast.Months.Count, page.FindAll("[data-testid=infra-months] tbody tr").Count);
        Assert.Contains($"{report.Bounds[0].Bound} — {report.Bounds[0].Basis}", page.Find("[data-testid=bound-h100]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AScenarioWithoutAnSlo_IsRefused_NamingTheField()
    {
        var mm4 = (await Store.ListAsync()).Single(s => s.Name == "M/M/4 at 80 % load");
        var page = Open($"/desk?scenario={mm4.Id}");

        await ClickAsync(page, "[data-testid=run]");

        Assert.StartsWith("$.slo:", page.Find("[data-testid=message]").TextContent.Trim(), StringComparison.Ordinal);
    }
}
