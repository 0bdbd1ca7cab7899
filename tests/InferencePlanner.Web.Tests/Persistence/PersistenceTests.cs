using InferencePlanner.Core.Scenarios;
using InferencePlanner.Web.Components.Pages;
using InferencePlanner.Web.Jobs;
using InferencePlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferencePlanner.Web.Tests.Persistence;

/// <summary>The real SQLite file, in a temporary folder per test.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ip-db-").FullName;
    private readonly Factory _factory;

    public PersistenceTests()
    {
        _factory = new Factory(new DbContextOptionsBuilder<PlannerDb>().UseSqlite($"Data Source={Path.Combine(_folder, "test.db")};Pooling=False").Options);
        using var db = _factory.CreateDbContext();
        db.EnsureSchema();
    }

    private static Scenario Mm4 => ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "mm4-erlang-c.json"));

    [Fact]
    public async Task Save_OnAnOlderVersion_IsRefused_AndEverySavedVersionIsKept()
    {
        var store = new ScenarioStore(_factory, TimeProvider.System);
        var created = await store.CreateAsync(Mm4);

        var alice = await store.SaveAsync(created.Id, Mm4 with { Name = "alice's" }, basedOnVersion: 1);
        var bob = await Assert.ThrowsAsync<ScenarioConflictException>(() => store.SaveAsync(created.Id, Mm4 with { Name = "bob's" }, basedOnVersion: 1));

        Assert.Equal(2, alice.Version);
        Assert.Contains("version 2", bob.Message, StringComparison.Ordinal);
        Assert.Equal("alice's", (await store.GetAsync(created.Id))!.Name);
        Assert.Equal(2, await store.VersionCountAsync(created.Id));
    }

    [Fact]
    public async Task Names_AreUnique_ASaveUnderATakenNameIsRefused_AndAFreeOneIsOffered()
    {
        using var store = new ScenarioStore(_factory, TimeProvider.System);
        var first = await store.CreateAsync(Mm4);
        var second = await store.CreateAsync(Mm4 with { Name = "another" });

        await Assert.ThrowsAsync<ScenarioNameTakenException>(() => store.CreateAsync(Mm4));
        var renamed = await Assert.ThrowsAsync<ScenarioNameTakenException>(() => store.SaveAsync(second.Id, Mm4, basedOnVersion: 1));

        Assert.Contains($"scenario {first.Id}", renamed.Message, StringComparison.Ordinal);
        Assert.Equal("another", (await store.GetAsync(second.Id))!.Name);
        Assert.Equal(1, (await store.GetAsync(second.Id))!.Version);
        Assert.Equal($"{Mm4.Name} (2)", await store.FreeNameAsync(Mm4.Name!));
        Assert.Equal("fresh", await store.FreeNameAsync("fresh"));
        // Saving under its own name is no clash.
        Assert.Equal(2, (await store.SaveAsync(first.Id, Mm4, basedOnVersion: 1)).Version);
    }

    [Fact]
    public async Task Demos_AreSeededOnce_AndSurviveANewStore()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "data", "scenarios");
        await new ScenarioStore(_factory, TimeProvider.System).SeedDemosAsync(folder);
        await new ScenarioStore(_factory, TimeProvider.System).SeedDemosAsync(folder);

        var list = await new ScenarioStore(_factory, TimeProvider.System).ListAsync();
        Assert.Equal(ScenarioStore.DemoFiles.Length, list.Count);
        Assert.All(list, s => Assert.True(s.IsDemo));
    }

    [Fact]
    public async Task Queue_RunsWorkOffTheCaller_SavesTheResult_AndCancels()
    {
        var queue = new WorkQueueService(_factory, TimeProvider.System, NullLogger<WorkQueueService>.Instance);
        using var stop = new CancellationTokenSource();
        var worker = queue.RunAsync(stop.Token);
        var done = new TaskCompletionSource<JobStatus>();
        queue.Changed += s =>
        {
            if (s.State is JobState.Succeeded or JobState.Cancelled or JobState.Failed)
            {
                done.TrySetResult(s);
            }
        };

        var id = await queue.TryEnqueueAsync(new JobRequest("test", null, null, (progress, _) =>
        {
            progress.Report(0.5);
            return Task.FromResult("{\"answer\":42}");
        }));
        var status = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(JobState.Succeeded, status.State);
        await using (var db = _factory.CreateDbContext())
        {
            var run = await db.Runs.SingleAsync(r => r.Id == id);
            Assert.Equal("{\"answer\":42}", run.ResultJson);
            Assert.Equal(nameof(JobState.Succeeded), run.Status);
        }

        var cancelled = new TaskCompletionSource<JobStatus>();
        queue.Changed += s =>
        {
            if (s.State == JobState.Cancelled)
            {
                cancelled.TrySetResult(s);
            }
        };
        var slow = await queue.TryEnqueueAsync(new JobRequest("slow", null, null, async (_, token) =>
        {
            await Task.Delay(TimeSpan.FromMinutes(5), token);
            return "{}";
        }));
        while (queue.Status(slow!.Value)?.State != JobState.Running)
        {
            await Task.Delay(10);
        }

        queue.Cancel(slow.Value);
        Assert.Equal(JobState.Cancelled, (await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30))).State);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class Factory(DbContextOptions<PlannerDb> options) : IDbContextFactory<PlannerDb>
    {
        public PlannerDb CreateDbContext() => new(options);
    }
}
