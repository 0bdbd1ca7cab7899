using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;
using InferencePlanner.Web.Components;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MudBlazor.Services;
using InferencePlanner.Web.Api;
using InferencePlanner.Web.Security;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace InferencePlanner.Web.Extensions;

/// <summary>All of the app's registration and its request pipeline, so that Program.cs stays short.</summary>
public static class HostingExtensions
{
    public static WebApplicationBuilder AddInferencePlanner(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // The catalog is read and checked once, at start: a broken data file stops the app with a
        // message naming file, entry and field rather than failing later on a page.
        // The team's edits (saved in the database) apply over it; pages and work read the current snapshot.
        builder.Services.AddSingleton(sp => new CatalogService(
            CatalogLoader.Load(builder.Configuration["Catalog:Directory"]),
            sp.GetRequiredService<IDbContextFactory<PlannerDb>>(),
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddTransient(sp => sp.GetRequiredService<CatalogService>().Current);

        // Persistence: a SQLite file in the app's data folder unless a connection string says otherwise.
        var storage = new PlannerStorage(DataFolder(builder));
        builder.Services.AddSingleton(storage);
        var connection = builder.Configuration.GetConnectionString("Planner")
            ?? $"Data Source={Path.Combine(storage.Folder, "inferenceplanner.db")}";
        builder.Services.AddDbContextFactory<PlannerDb>(options => options.UseSqlite(connection));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ScenarioStore>();
        builder.Services.AddSingleton(_ => ProfileStore.Load());
        builder.Services.AddSingleton<WorkQueueService>();
        builder.Services.AddHostedService<JobWorker>();
        builder.Services.AddScoped<PlannerActions>();

        // The HTTP API: limits from configuration (section Api), problem+json errors, an OpenAPI document, and a
        // bounded number of simulations and forecasts at once with a short queue; beyond it, 429 and Retry-After.
        builder.Services.Configure<ApiOptions>(builder.Configuration.GetSection(ApiOptions.Section));
        var limits = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(new RunGate(limits));
        builder.Services.AddRateLimiter(options =>
        {
            // Uploads hold their slot while the body arrives: one at a time, two waiting.
            options.AddConcurrencyLimiter(ApiEndpoints.UploadsPolicy, limiter =>
            {
                limiter.PermitLimit = 1;
                limiter.QueueLimit = 2;
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            // Sign-in attempts: ten a minute from one address.
            options.AddPolicy(SecurityExtensions.LoginPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.OnRejected = async (context, cancellation) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 10;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ApiEndpoints.Problem(StatusCodes.Status429TooManyRequests, "Too many requests at once.",
                        new Dictionary<string, string[]> { ["$"] = [$"try again in {retry} s"] })
                    .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
        });
        builder.Services.AddPlannerSecurity(builder.Configuration);

        // Sweeps run on Microsoft Orleans: by default one silo in this process (localhost clustering, memory storage,
        // free loopback ports); Cluster:Mode=postgres makes this process one silo of a real cluster (ClusterSettings).
        var cluster = Cluster.ClusterSettings.Read(builder.Configuration);
        if (cluster.Mode == Cluster.ClusterSettings.Postgres)
        {
            Cluster.PostgresSchema.Ensure(cluster.ConnectionString!);
        }

        builder.UseOrleans(silo => Cluster.ClusterHosting.Configure(silo, cluster));
        builder.Services.AddSingleton<Cluster.SweepService>();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddHealthChecks().AddCheck<CatalogHealthCheck>("catalog");
        return builder;
    }

    /// <summary>Where the app keeps its database: Storage:Folder, else App_Data under the content root.</summary>
    private static string DataFolder(WebApplicationBuilder builder)
    {
        var folder = builder.Configuration["Storage:Folder"] ?? Path.Combine(builder.Environment.ContentRootPath, "App_Data");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A saved forecast as CSV or XLSX, for the finance team's spreadsheets.</summary>
    private static async Task<IResult> DownloadForecastAsync(Guid id, string format, IDbContextFactory<PlannerDb> factory)
    {
        await using var db = await factory.CreateDbContextAsync().ConfigureAwait(false);
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.Kind == "forecast").ConfigureAwait(false);
        if (PlannerActions.ReadForecast(run?.ResultJson) is not { } forecast)
        {
            return Results.NotFound();
        }

        var name = $"forecast-{id:N}";
        switch (format)
        {
            case "csv":
                return Results.File(System.Text.Encoding.UTF8.GetBytes(Planning.Export.ForecastExport.ToCsv(forecast)), "text/csv", $"{name}.csv");
            case "xlsx":
                var stream = new MemoryStream();
                Planning.Export.ForecastExport.ToXlsx(forecast, stream);
                stream.Position = 0;
                return Results.File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{name}.xlsx");
            default:
                return Results.BadRequest($"format '{format}' is not csv or xlsx");
        }
    }

    public static WebApplication UseInferencePlanner(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Fail at start, not on the first request; create the database and the demo scenarios on first start.
        var catalogs = app.Services.GetRequiredService<CatalogService>();
        using (var db = app.Services.GetRequiredService<IDbContextFactory<PlannerDb>>().CreateDbContext())
        {
            db.EnsureSchema();
            // Write-ahead logging: a process killed mid-save leaves the database whole, with every committed save.
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
            // Runs a killed process left unfinished are marked so: nothing half-done passes for a result.
            var interrupted = db.Runs.Where(r => r.Status == "Queued" || r.Status == "Running").ToList();
            foreach (var run in interrupted)
            {
                run.Status = "Failed";
                run.ResultJson = null;
                run.Error = "the server stopped before this run finished";
            }

            db.SaveChanges();
            app.Services.GetRequiredService<PlannerStorage>().ClearUploads();
            // Profiles saved from the dashboard join the shipped ones.
            var store = app.Services.GetRequiredService<ProfileStore>();
            foreach (var saved in db.Profiles.AsNoTracking())
            {
                if (System.Text.Json.JsonSerializer.Deserialize<ThroughputProfile>(saved.Json, Core.Scenarios.ScenarioJson.Options) is { } profile)
                {
                    store.Add(profile);
                }
            }
        }

        catalogs.LoadAsync().GetAwaiter().GetResult();
        foreach (var problem in catalogs.Problems)
        {
            app.Logger.LogWarning("Catalog: {Problem}", problem);
        }

        var scenarios = Core.DataFolders.Find("scenarios");
        if (scenarios is not null)
        {
            app.Services.GetRequiredService<ScenarioStore>().SeedDemosAsync(scenarios).GetAwaiter().GetResult();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        // The API answers its own failures as problem+json (never the dashboard's error page or a sign-in redirect),
        // and so the bare statuses routing gives (404, 405, 415).
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });

        app.UsePlannerSecurity();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
        app.MapGet("/api/runs/{id:guid}/forecast.{format}", DownloadForecastAsync);
        app.MapPlannerApi();
        app.MapOpenApi();
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
