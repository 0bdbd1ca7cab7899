using InferencePlanner.Web.Jobs;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Tests.Jobs;

/// <summary>The watcher pages share, on the real queue and worker: one end delivered per job, newer jobs replace older ones.</summary>
public sealed class JobWatcherTests : PageTestContext
{
    private readonly List<JobStatus> _finished = [];
    private int _changes;

    private JobWatcher NewWatcher() => new(Queue, action => { lock (_finished) { action(); } return Task.CompletedTask; }, () => Interlocked.Increment(ref _changes), s => _finished.Add(s));

    private static JobRequest Work(string result, TaskCompletionSource? gate = null) =>
        new("test", null, null, async (progress, cancellation) =>
        {
            progress.Report(0.5);
            if (gate is not null)
            {
                await gate.Task.WaitAsync(cancellation);
            }

            return result;
        });

    [Fact]
    public async Task AJobThatEnds_IsDeliveredOnce_WithItsResult()
    {
        using var watcher = NewWatcher();

        Assert.True(await watcher.StartAsync(() => Queue.TryEnqueueAsync(Work("\"done\""))));
        var status = await FinishedAsync(watcher.Id);
        await WaitUntilAsync(() => !watcher.Running);

        Assert.Equal(JobState.Succeeded, status.State);
        var delivered = Assert.Single(_finished);
        Assert.Equal("\"done\"", delivered.ResultJson);
        Assert.Equal(1, watcher.Progress);
    }

    [Fact]
    public async Task ANewerJob_CancelsTheOlder_AndOnlyItsEndIsDelivered()
    {
        using var watcher = NewWatcher();
        var gate = new TaskCompletionSource();

        await watcher.StartAsync(() => Queue.TryEnqueueAsync(Work("\"old\"", gate)));
        var older = watcher.Id!.Value;
        await watcher.StartAsync(() => Queue.TryEnqueueAsync(Work("\"new\"")));

        Assert.Equal(JobState.Cancelled, (await FinishedAsync(older)).State);
        Assert.Equal(JobState.Succeeded, (await FinishedAsync(watcher.Id)).State);
        await WaitUntilAsync(() => !watcher.Running);
        Assert.Equal(["\"new\""], _finished.Select(s => s.ResultJson));
    }

    [Fact]
    public async Task Cancel_EndsTheJobAsCancelled_AndDisposeLeavesARunningJobGoing()
    {
        var gate = new TaskCompletionSource();
        using (var watcher = NewWatcher())
        {
            await watcher.StartAsync(() => Queue.TryEnqueueAsync(Work("\"x\"", gate)));
            watcher.Cancel();
            Assert.Equal(JobState.Cancelled, (await FinishedAsync(watcher.Id)).State);
            await WaitUntilAsync(() => !watcher.Running);
            Assert.Equal(JobState.Cancelled, Assert.Single(_finished).State);
            // Saved as cancelled, with no result: nothing half-done passes for one.
            await using var db = await Factory.CreateDbContextAsync();
            var run = await db.Runs.SingleAsync(r => r.Id == watcher.Id);
            Assert.Equal("Cancelled", run.Status);
            Assert.Null(run.ResultJson);
        }

        // A page that goes away does not take its job with it: the result is still saved.
        var second = new TaskCompletionSource();
        Guid? id;
        using (var watcher = NewWatcher())
        {
            await watcher.StartAsync(() => Queue.TryEnqueueAsync(Work("\"kept\"", second)));
            id = watcher.Id;
        }

        second.SetResult();
        var status = await FinishedAsync(id);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal("\"kept\"", status.ResultJson);
        Assert.Single(_finished); // the disposed watcher delivered nothing
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
