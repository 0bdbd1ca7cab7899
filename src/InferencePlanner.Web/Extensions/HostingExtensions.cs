using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Components;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MudBlazor.Services;

namespace InferencePlanner.Web.Extensions;

/// <summary>All of the app's registration and its request pipeline, so that Program.cs stays short.</summary>
public static class HostingExtensions
{
    public static WebApplicationBuilder AddInferencePlanner(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // The catalog is read and checked once, at start: a broken data file stops the app with a
        // message naming file, entry and field rather than failing later on a page.
        builder.Services.AddSingleton(_ => CatalogLoader.Load(builder.Configuration["Catalog:Directory"]));

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddHealthChecks().AddCheck<CatalogHealthCheck>("catalog");
        return builder;
    }

    public static WebApplication UseInferencePlanner(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Fail at start, not on the first request.
        _ = app.Services.GetRequiredService<DeviceCatalog>();

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}

internal sealed class CatalogHealthCheck(DeviceCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(catalog.Devices.Count > 0
            ? HealthCheckResult.Healthy($"{catalog.Devices.Count} devices, {catalog.Regions.Count} regions, {catalog.Prices.Count} prices")
            : HealthCheckResult.Unhealthy("the catalog holds no devices"));
}

internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
