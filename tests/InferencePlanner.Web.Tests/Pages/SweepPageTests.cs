using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit;
using InferencePlanner.Cluster;
using InferencePlanner.Planning.Sweeps;
using InferencePlanner.Web.Api;
using InferencePlanner.Web.Components.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MudBlazor;
using Plotly.Blazor.Traces;
using SweepPage = InferencePlanner.Web.Components.Pages.Sweep;

namespace InferencePlanner.Web.Tests.Pages;

/// <summary>One Orleans silo in this process for the sweep page's tests, started once and stopped at the end.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public IHost Silo { get; } = Host.CreateDefaultBuilder()
        .UseOrleans(silo => silo.UseLocalhostClustering(SweepService.FreePort(), SweepService.FreePort())
            .AddSweeps(Core.Catalog.CatalogLoader.Load(RepositoryPaths.Catalog)))
        .Build();

    public Task InitializeAsync() => Silo.StartAsync();

    public async Task DisposeAsync()
    {
        await Silo.StopAsync();
        Silo.Dispose();
    }
}

/// <summary>The sweep page on a real Orleans silo in this process: the rows it shows are the local table's.</summary>
public sealed class SweepPageTests : PageTestContext, IClassFixture<SiloFixture>
{
    public SweepPageTests(SiloFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Services.AddSingleton(new SweepService(fixture.Silo.Services.GetRequiredService<IGrainFactory>()));
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new ApiOptions()));
    }

    private IRenderedComponent<SweepPage> Open(string path = "/sweep")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(path);
        Render<MudPopoverProvider>();
        return Render<SweepPage>();
    }

    private static string Sweep(long queries)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json")))!;
        node["base"]!["horizon"]!["queries"] = queries;
        return node.ToJsonString();
    }

    [Fact]
    public async Task ASweep_ComputesWithTheTeamsEditedCatalog_NotTheSilosOwn()
    {
        // The silo was given the shipped catalog; the team has since doubled the L4's on-demand price in GCP us-central1.
        var price = Catalogs.Current.Prices.First(p => p.DeviceId == "nvidia-l4" && p.Region == "gcp-us-central1" && p.Pricing == Core.Catalog.PricingModel.OnDemand);
        await Catalogs.SaveAsync(price with { UsdPerAcceleratorHour = Core.Catalog.Fact.Known(2 * price.UsdPerAcceleratorHour.Value!.Value, InferencePlanner.Web.Persistence.CatalogService.PendingSource, "2026-12-06") }, "our negotiated rate");
        var page = Open();
        var sweep = Sweep(5_000);
        await ChangeAsync(page, "sweep-document", sweep, "textarea");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForAssertion(() => Assert.Contains("— done", page.Find("[data-testid=sweep-state]").TextContent, StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        var edited = new SweepRunner(Catalogs.Current).Run(SweepDocument.Parse(sweep));
        var shipped = new SweepRunner(Catalog).Run(SweepDocument.Parse(sweep));
        var row = edited.Rows.Single(r => r.Variant == "device=nvidia-l4, region=gcp-us-central1, count=2");
        Assert.Equal(2 * shipped.Rows.Single(r => r.Index == row.Index).CostUsd!.Value, row.CostUsd!.Value, 9);
        var status = await Services.GetRequiredService<SweepService>().StatusAsync(Guid.Parse(Services.GetRequiredService<NavigationManager>().Uri.Split("?id=")[1]));
        Assert.Equal(JsonSerializer.Serialize(edited, SweepJson.Options), status!.ResultJson);
    }

    [Fact]
    public async Task ASweep_RunsOnTheSilo_ItsRowsAndFrontAreTheLocalTables_AndItsIdIsInTheUrl()
    {
        var page = Open();
        page.WaitForAssertion(() => Assert.Contains("\"axes\"", page.FindComponents<MudTextField<string>>().Single().Instance.Value, StringComparison.Ordinal)); // the demo, to start from
        var sweep = Sweep(5_000);
        await ChangeAsync(page, "sweep-document", sweep, "textarea");

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForAssertion(() => Assert.Contains("18 of 18 variants (36 of 36 chunks) — done", page.Find("[data-testid=sweep-state]").TextContent, StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        var local = new SweepRunner(Catalog).Run(SweepDocument.Parse(sweep));
        Assert.Equal(18, page.FindAll("[data-testid=sweep-rows] tbody tr").Count);
        var overloaded = local.Rows.Single(r => r.Variant == "device=nvidia-l4, region=gcp-us-central1, count=1");
        Assert.StartsWith("cannot serve: pool 'gpu' is offered 60 queries/s", page.Find($"[data-testid=verdict-{overloaded.Index}]").TextContent.Trim(), StringComparison.Ordinal);
        var front = local.Rows.Where(r => r.Pareto).OrderBy(r => r.CostUsd).ThenBy(r => r.P99Ms).ToList();
        var traces = page.FindComponents<LineChart>().Single(c => c.Instance.TestId == "pareto").Instance.Traces;
        Assert.Equal(front.Select(r => (object)r.CostUsd!.Value), Assert.IsType<Scatter>(traces[1]).X);
        Assert.Equal(front.Select(r => (object)r.P99Ms!.Value), Assert.IsType<Scatter>(traces[1]).Y);
        Assert.Contains("?id=", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadDocument_IsNamedByItsPath_AndNothingRuns()
    {
        var page = Open();
        await ChangeAsync(page, "sweep-document", """{ "base": { "name": "x" }, "mode": "optimise" }""", "textarea");

        await ClickAsync(page, "[data-testid=run]");

        Assert.StartsWith("$.mode: 'optimise' is not one of simulate, size, forecast", page.Find("[data-testid=sweep-problem]").TextContent.Trim(), StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=sweep-state]"));
    }

}
