namespace InferencePlanner.Web.Jobs;

/// <summary>
/// The one job a page waits for: whether it runs, its progress, and what to do when it ends — delivered on the
/// page's circuit (the queue reports from its worker thread). Starting a new job cancels the one before it, so
/// a page never shows an older result over a newer one.
/// </summary>
public sealed class JobWatcher : IDisposable
{
    private readonly WorkQueueService _queue;
    private readonly Func<Action, Task> _invoke;
    private readonly Action _changed;
    private readonly Action<JobStatus> _finished;

    /// <param name="queue">The work queue.</param>
    /// <param name="invoke">The page's InvokeAsync: runs an update on its circuit.</param>
    /// <param name="changed">The page's StateHasChanged.</param>
    /// <param name="finished">Called on the circuit once the job succeeded, failed or was cancelled.</param>
    public JobWatcher(WorkQueueService queue, Func<Action, Task> invoke, Action changed, Action<JobStatus> finished)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
        _invoke = invoke;
        _changed = changed;
        _finished = finished;
        _queue.Changed += OnChanged;
    }

    /// <summary>The job being watched, if any.</summary>
    public Guid? Id { get; private set; }

    public bool Running { get; private set; }

    /// <summary>The job's progress, 0 to 1.</summary>
    public double Progress { get; private set; }

    /// <summary>
    /// Cancels the job before (if any) and watches the one <paramref name="enqueue"/> queues. Returns false, not
    /// running, when the queue is full (enqueue gave no id).
    /// </summary>
    public async Task<bool> StartAsync(Func<Task<Guid?>> enqueue)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        Cancel();
        Id = null;
        Running = true;
        Progress = 0;
        try
        {
            Id = await enqueue();
        }
        finally
        {
            Running = Id is not null;
        }

        // A quick job may have ended before its id came back: its last report was then missed.
        if (Id is { } id && _queue.Status(id) is { State: JobState.Succeeded or JobState.Failed or JobState.Cancelled } done)
        {
            Finish(done);
        }

        return Id is not null;
    }

    public void Cancel()
    {
        if (Running && Id is { } id)
        {
            _queue.Cancel(id);
        }
    }

    /// <summary>Stops listening. A job still running goes on: its result is saved whether or not anyone watches.</summary>
    public void Dispose() => _queue.Changed -= OnChanged;

    private void OnChanged(JobStatus status)
    {
        if (status.Id != Id)
        {
            return;
        }

        _ = _invoke(() =>
        {
            if (status.Id != Id || !Running)
            {
                return; // a newer job took its place, or this one's end was already delivered
            }

            try
            {
                Progress = status.Progress;
                if (status.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
                {
                    Finish(status);
                }
            }
            finally
            {
                _changed(); // the page shows the job's state even if reading its result failed
            }
        });
    }

    private void Finish(JobStatus status)
    {
        Running = false;
        Progress = status.State == JobState.Succeeded ? 1 : Progress;
        _finished(status);
    }
}
