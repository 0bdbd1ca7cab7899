using System.Collections.Concurrent;
using System.Threading.Channels;
using InferencePlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;

namespace InferencePlanner.Web.Jobs;

public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>What a page sees of a job: its state, progress, and result or error.</summary>
public sealed record JobStatus(Guid Id, string Kind, JobState State, double Progress, string? ResultJson, string? Error)
{
    /// <summary>What a page says of a job that gave no result: "Cancelled." or the failure's reason; null otherwise.</summary>
    public string? Problem => State switch
    {
        JobState.Cancelled => "Cancelled.",
        JobState.Failed => Error,
        _ => null,
    };
}

/// <summary>Long work to run off the UI circuit: it reports progress and honours cancellation; its JSON result is saved.</summary>
public sealed record JobRequest(string Kind, int? ScenarioId, int? ScenarioVersion, Func<IProgress<double>, CancellationToken, Task<string>> Work);

/// <summary>
/// A bounded queue of long work (simulations, forecasts, calibrations) run by a background worker, never on
/// a UI circuit. Pages subscribe to status changes; every run and its result is saved, so a result stays even
/// if the browser that asked for it has gone.
/// </summary>
public sealed class WorkQueueService(IDbContextFactory<PlannerDb> factory, TimeProvider clock, ILogger<WorkQueueService> logger)
{
    public const int Capacity = 32;

    private readonly Channel<(Guid Id, JobRequest Request)> _channel = Channel.CreateBounded<(Guid, JobRequest)>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<Guid, JobStatus> _status = new();
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _cancellation = new();
    private readonly ConcurrentQueue<Guid> _finished = new();

    /// <summary>How many finished jobs keep their status in memory (the database keeps them all).</summary>
    public const int FinishedKept = 256;

    /// <summary>Whether a job queued now would find a place (checked before an upload is read).</summary>
    public bool HasRoom => _channel.Reader.Count < Capacity;

    /// <summary>Raised (on a background thread) whenever a job's status changes.</summary>
    public event Action<JobStatus>? Changed;

    /// <summary>Queues work; false when the queue is full (the caller says so rather than waiting).</summary>
    public async Task<Guid?> TryEnqueueAsync(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Guid.NewGuid();
        await using (var db = await factory.CreateDbContextAsync().ConfigureAwait(false))
        {
            db.Runs.Add(new RunRecord { Id = id, Kind = request.Kind, Status = nameof(JobState.Queued), ScenarioId = request.ScenarioId, ScenarioVersion = request.ScenarioVersion, CreatedAt = clock.GetUtcNow() });
            await db.SaveChangesAsync().ConfigureAwait(false);
        }

        _cancellation[id] = new CancellationTokenSource();
        Update(new JobStatus(id, request.Kind, JobState.Queued, 0, null, null));
        if (!_channel.Writer.TryWrite((id, request)))
        {
            if (_cancellation.TryRemove(id, out var unused))
            {
                unused.Dispose();
            }

            await SaveFinalAsync(new JobStatus(id, request.Kind, JobState.Failed, 0, null, "the work queue is full: try again shortly")).ConfigureAwait(false);
            return null;
        }

        return id;
    }

    public JobStatus? Status(Guid id) => _status.TryGetValue(id, out var s) ? s : null;

    public void Cancel(Guid id)
    {
        if (_cancellation.TryGetValue(id, out var cts))
        {
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // it ended meanwhile
            }
        }
    }

    /// <summary>Runs queued work until <paramref name="stopping"/> fires (the hosted worker calls it).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        await foreach (var (id, request) in _channel.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
        {
            var cts = _cancellation[id];
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, stopping);
            var lastReported = -1.0;
            var progress = new Progress(p =>
            {
                if (p - lastReported >= 0.01 || p >= 1)
                {
                    lastReported = p;
                    Update(new JobStatus(id, request.Kind, JobState.Running, p, null, null));
                }
            });
            Update(new JobStatus(id, request.Kind, JobState.Running, 0, null, null));
            JobStatus final;
            try
            {
                // The work itself runs on the thread pool: the UI circuit only ever sees status updates. It is started
                // even when already cancelled, so that its own clean-up (an uploaded file's folder) always runs.
                var json = await Task.Run(() => request.Work(progress, linked.Token), CancellationToken.None).ConfigureAwait(false);
                linked.Token.ThrowIfCancellationRequested();
                final = new JobStatus(id, request.Kind, JobState.Succeeded, 1, json, null);
            }
            catch (OperationCanceledException)
            {
                final = new JobStatus(id, request.Kind, JobState.Cancelled, lastReported, null, "cancelled");
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "job {Id} ({Kind}) failed", id, request.Kind);
                final = new JobStatus(id, request.Kind, JobState.Failed, lastReported, null, ex.Message);
            }

            _cancellation.TryRemove(id, out _);
            await SaveFinalAsync(final).ConfigureAwait(false);
            cts.Dispose();
        }
    }

    /// <summary>Saves a job's end (state, result or reason) and reports it; old ends leave memory, not the database.</summary>
    private async Task SaveFinalAsync(JobStatus final)
    {
        await using (var db = await factory.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var run = await db.Runs.FirstAsync(r => r.Id == final.Id, CancellationToken.None).ConfigureAwait(false);
            run.Status = final.State.ToString();
            run.ResultJson = final.ResultJson;
            run.Error = final.Error;
            run.FinishedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }

        Update(final);
        _finished.Enqueue(final.Id);
        while (_finished.Count > FinishedKept && _finished.TryDequeue(out var old))
        {
            _status.TryRemove(old, out _);
        }
    }

    private void Update(JobStatus status)
    {
        _status[status.Id] = status;
        Changed?.Invoke(status);
    }

    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}

/// <summary>The hosted worker that drains the queue.</summary>
public sealed class JobWorker(WorkQueueService queue) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => queue.RunAsync(stoppingToken);
}
