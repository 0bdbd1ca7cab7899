using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace InferencePlanner.Web.Api;

/// <summary>
/// The run slots of the API's simulations and forecasts (Api:MaxConcurrentRuns), with a short line for them
/// (Api:MaxQueuedRuns). A request beyond both is turned away with 429 and Retry-After, never queued without end.
/// </summary>
public sealed class RunGate(ApiOptions limits) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Math.Max(1, limits.MaxConcurrentRuns),
        QueueLimit = Math.Max(0, limits.MaxQueuedRuns),
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>A run slot (dispose it when the run ends), or a 429 problem with Retry-After from recent run times.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellation)
    {
        var lease = await _limiter.AcquireAsync(1, cancellation).ConfigureAwait(false);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        var waiting = limits.MaxQueuedRuns / (double)Math.Max(1, limits.MaxConcurrentRuns);
        var retry = Math.Max(1, (int)Math.Ceiling(RunTimes.AverageSeconds * (1 + waiting)));
        throw new ApiProblemException(StatusCodes.Status429TooManyRequests, "Too many runs at once.",
            new Dictionary<string, string[]>
            {
                ["$"] = [$"this server runs {limits.MaxConcurrentRuns} simulations or forecasts at once with {limits.MaxQueuedRuns} waiting; try again in {retry} s"],
            })
        { RetryAfterSeconds = retry };
    }

    public void Dispose() => _limiter.Dispose();
}
