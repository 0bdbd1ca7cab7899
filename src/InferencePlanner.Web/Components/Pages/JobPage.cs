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

    /// <summary>
    /// Reads a saved scenario, checks it (and <paramref name="check"/>, a page's own condition: a path and a reason, or
    /// null) and queues <paramref name="start"/> for it; every problem goes to the message line, nothing is queued.
    /// </summary>
    protected async Task StartAsync(Persistence.ScenarioRecord record, Func<Core.Scenarios.Scenario, Task<Guid?>> start, Func<Core.Scenarios.Scenario, string?>? check = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(start);
        Message = null;
        try
        {
            var scenario = Core.Scenarios.ScenarioJson.Parse(record.Json);
            if (Actions.Validate(scenario) is { Count: > 0 } errors)
            {
                Message = string.Join("; ", errors.Select(e => e.ToString()));
                return;
            }

            if (check?.Invoke(scenario) is { } problem)
            {
                Message = problem;
                return;
            }

            if (!await Watcher.StartAsync(() => start(scenario)))
            {
                Message = "The work queue is full: try again shortly.";
            }
        }
        catch (Core.Scenarios.ScenarioException ex)
        {
            Message = ex.Message;
        }
    }

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
