using Bunit;
using InferencePlanner.Core.Catalog;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace InferencePlanner.Web.Tests;

/// <summary>
/// The one base for component tests: MudBlazor's services, loose JS interop (MudBlazor calls into JS that
/// bUnit does not run), and the shipped catalog.
/// </summary>
public abstract class PlannerTestContext : BunitContext, IAsyncLifetime
{
    private static readonly Lazy<DeviceCatalog> ShippedCatalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    protected PlannerTestContext()
    {
        // Renders that follow work off the test's thread (the queue, debounced fields, uploads) may take longer
        // than bUnit's 1 s default on two busy cores: a wait bound, not a retry.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(ShippedCatalog.Value);
    }

    protected static DeviceCatalog Catalog => ShippedCatalog.Value;

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's components dispose asynchronously; xunit v2 awaits that here.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
