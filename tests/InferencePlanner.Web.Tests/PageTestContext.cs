using Bunit;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferencePlanner.Web.Tests;

/// <summary>
/// Component tests of the pages that read and write scenarios and runs: the real SQLite file (a temporary folder
/// per test class instance), the demos seeded, the shipped profiles, and the work queue with its worker running.
/// </summary>
public abstract class PageTestContext : PlannerTestContext, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ip-pages-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;

    protected PageTestContext()
    {
        Factory = new DbFactory(new DbContextOptionsBuilder<PlannerDb>().UseSqlite($"Data Source={Path.Combine(_folder, "pages.db")};Pooling=False").Options);
        using (var db = Factory.CreateDbContext())
        {
            db.EnsureSchema();
        }

        Store = new ScenarioStore(Factory, TimeProvider.System);
        Store.SeedDemosAsync(Path.Combine(RepositoryPaths.Root, "data", "scenarios")).GetAwaiter().GetResult();
        Queue = new WorkQueueService(Factory, TimeProvider.System, NullLogger<WorkQueueService>.Instance);
        _worker = Queue.RunAsync(_stop.Token);
        Catalogs = new CatalogService(Catalog, Factory, TimeProvider.System);
        Catalogs.LoadAsync().GetAwaiter().GetResult();
        Storage = new PlannerStorage(_folder);
        var profiles = ProfileStore.Load();
        Actions = new PlannerActions(Queue, Catalogs, profiles, Storage, Microsoft.Extensions.Options.Options.Create(new InferencePlanner.Web.Api.ApiOptions()));
        Services.AddSingleton(profiles);
        Services.AddSingleton<IDbContextFactory<PlannerDb>>(Factory);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(Catalogs);
        Services.AddSingleton(Storage);
        Services.AddTransient(_ => Catalogs.Current); // pages read the catalog with the edits, as in the app
        Services.AddSingleton(Store);
        Services.AddSingleton(Queue);
        Services.AddSingleton(Actions);
    }

    protected IDbContextFactory<PlannerDb> Factory { get; }

    protected ScenarioStore Store { get; }

    /// <summary>The test's data folder (uploaded traces).</summary>
    protected PlannerStorage Storage { get; }

    /// <summary>The shipped catalog with the edits saved in this test's database.</summary>
    protected CatalogService Catalogs { get; }

    protected WorkQueueService Queue { get; }

    protected PlannerActions Actions { get; }

    /// <summary>
    /// The form control a test id marks: MudBlazor puts user attributes on the input itself or on its wrapper,
    /// depending on the component.
    /// </summary>
    protected static AngleSharp.Dom.IElement Control<T>(IRenderedComponent<T> page, string testId, string tag = "input")
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        var marked = page.Find($"[data-testid={testId}]");
        return marked.TagName.Equals(tag, StringComparison.OrdinalIgnoreCase) ? marked : marked.QuerySelector(tag)!;
    }

    /// <summary>
    /// Clicks the element <paramref name="selector"/> finds, finding and clicking in one step on the renderer:
    /// background work (a what-if, a job's end) re-renders the page at any moment, and a button found before
    /// such a render may no longer carry its handler.
    /// </summary>
    protected static Task ClickAsync<T>(IRenderedComponent<T> page, string selector)
        where T : Microsoft.AspNetCore.Components.IComponent =>
        page.InvokeAsync(() => page.Find(selector).ClickAsync(new()));

    /// <summary>Sets a control's value as a change event would, on the renderer (see <see cref="ClickAsync{T}"/>).</summary>
    protected static Task ChangeAsync<T>(IRenderedComponent<T> page, string testId, object value, string tag = "input")
        where T : Microsoft.AspNetCore.Components.IComponent =>
        page.InvokeAsync(() => Control(page, testId, tag).Change(value));

    /// <summary>Types into a control as an input event would, on the renderer (see <see cref="ClickAsync{T}"/>).</summary>
    protected static Task InputAsync<T>(IRenderedComponent<T> page, string testId, object value, string tag = "input")
        where T : Microsoft.AspNetCore.Components.IComponent =>
        page.InvokeAsync(() => Control(page, testId, tag).Input(value));

    /// <summary>Waits for queued work to finish (the worker runs it off this thread) and returns its final status.</summary>
    protected async Task<JobStatus> FinishedAsync(Guid? id)
    {
        Assert.NotNull(id);
        var done = new TaskCompletionSource<JobStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Changed += s =>
        {
            if (s.Id == id && s.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
            {
                done.TrySetResult(s);
            }
        };
        if (Queue.Status(id.Value) is { State: JobState.Succeeded or JobState.Failed or JobState.Cancelled } already)
        {
            return already;
        }

        return await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
    }

    // The rendered components are disposed by the base (asynchronously); this stops the worker and removes the file.
    void IDisposable.Dispose()
    {
        _stop.Cancel();
        try
        {
            _worker.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // the worker ends by cancellation
        }

        _stop.Dispose();
        Catalogs.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    private sealed class DbFactory(DbContextOptions<PlannerDb> options) : IDbContextFactory<PlannerDb>
    {
        public PlannerDb CreateDbContext() => new(options);
    }
}
