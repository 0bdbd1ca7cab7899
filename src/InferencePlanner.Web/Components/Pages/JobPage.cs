using InferencePlanner.Web.Jobs;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Pages;

/// <summary>
/// A page that hands long work to the background queue and shows it: the queue and the page's actions, one
/// <see cref="JobWatcher"/> (progress, running, the end delivered on the circuit), a message line, cancel, dispose.
/// </summary>
public abstract class JobPage : ComponentBase, IDisposable
{
    private JobWatcher? _watcher;

    [Inject]
    public required PlannerActions Actions { get; init; }

    [Inject]
    public required WorkQueueService Queue { get; init; }

    /// <summary>The watcher of this page's job (made on first use, on the page's circuit).</summary>
    protected JobWatcher Watcher => _watcher ??= new JobWatcher(Queue, InvokeAsync, StateHasChanged, OnFinished);

    protected virtual bool Running => _watcher?.Running ?? false;

    protected double Progress => _watcher?.Progress ?? 0;

    protected string? Message { get; set; }

    /// <summary>The job ended (succeeded, failed or was cancelled): show its result or why there is none.</summary>
    protected abstract void OnFinished(JobStatus status);

    protected void Cancel() => _watcher?.Cancel();

    /// <summary>Whether leaving the page cancels its job (a what-if), rather than letting it finish and be saved.</summary>
    protected virtual bool CancelOnLeave => false;

    /// <summary>Stops watching; a job still running goes on and its result is saved, unless the page cancels it on leave.</summary>
    public void Dispose()
    {
        if (CancelOnLeave)
        {
            _watcher?.Cancel();
        }

        _watcher?.Dispose();
        GC.SuppressFinalize(this);
    }
}
