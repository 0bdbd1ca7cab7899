using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// Dynamic batching on request/response pools: queries join the pool's FIFO line, a free server takes up to
/// maxBatch of them — at once when maxWaitMs is 0 (greedy bulk service), else when the batch is full or its
/// oldest query has waited maxWaitMs — and a query still waiting at its deadline gives up. The line's integral over
/// the measured window is the sum of the waits cut to it, each added when the wait ends, so no integral is advanced
/// per event. Stateless itself: every pool's state is a <see cref="BatchingPoolState"/>.
/// </summary>
internal sealed class BatchDispatcher(EventQueue events, MeasurementWindow window, QueryRecorder recorder)
{
    private readonly TimeSeriesRecorder? _series = recorder.Series;

    public void Admit(BatchingPoolState pool, double t, QueryTag tag, bool measured)
    {
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        if (pool.FreeCount == 0 || pool.MaxWait > 0)
        {
            // The query would wait (or join a forming batch): room is needed in the line.
            if (pool.QueueCount >= pool.MaxQueue)
            {
                if (measured)
                {
                    recorder.Rejected(pool.Metrics, tag.Class);
                }

                return;
            }
        }

        pool.Enqueue(t, tag);
        if (pool.FreeCount > 0)
        {
            Dispatch(pool, t);
        }
    }

    public void OnServerFree(BatchingPoolState pool, int server, double t)
    {
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        pool.InService -= pool.BatchOf[server];
        pool.BatchOf[server] = 0;
        pool.FreeStack[pool.FreeCount++] = server;
        Dispatch(pool, t);
    }

    public void OnBatchTimer(BatchingPoolState pool, int version, double t)
    {
        if (version != pool.TimerVersion)
        {
            return; // superseded
        }

        pool.TimerArmed = false;
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        Dispatch(pool, t);
    }

    /// <summary>Queries waiting or in service per server, for routing by load.</summary>
    public double Load(BatchingPoolState pool, double t)
    {
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        return (double)(pool.QueueCount + pool.InService) / pool.Servers;
    }

    /// <summary>The window opens at <paramref name="t"/>: batches already running count from there.</summary>
    public void OpenWindow(BatchingPoolState pool, double t)
    {
        var metrics = pool.Metrics;
        for (var s = 0; s < pool.Servers; s++)
        {
            if (pool.BatchOf[s] > 0 && pool.BusyUntil[s] > t)
            {
                metrics.BusySeconds[s] += pool.BusyUntil[s] - t;
                metrics.AreaInService += pool.BatchOf[s] * (pool.BusyUntil[s] - t);
                _series?.Busy(t, pool.BusyUntil[s]);
            }
        }
    }

    /// <summary>The window closes at <paramref name="t"/>: running batches were counted to their end; what lies beyond is taken back.</summary>
    public static void CloseWindow(BatchingPoolState pool, double t)
    {
        var metrics = pool.Metrics;
        for (var s = 0; s < pool.Servers; s++)
        {
            if (pool.BatchOf[s] > 0 && pool.BusyUntil[s] > t)
            {
                metrics.BusySeconds[s] -= pool.BusyUntil[s] - t;
                metrics.AreaInService -= pool.BatchOf[s] * (pool.BusyUntil[s] - t);
            }
        }
    }

    /// <summary>
    /// The run stops at <paramref name="t"/> with queries still waiting (it was cut short): those past their deadline
    /// leave at it, the others' waits end here.
    /// </summary>
    public void EndRun(BatchingPoolState pool, double t)
    {
        if (pool.HasTimeout)
        {
            Purge(pool, t);
        }

        for (var i = 0; i < pool.QueueCount; i++)
        {
            WaitEnded(pool, pool.QueueArrival[(pool.QueueHead + i) & pool.QueueMask], t);
        }
    }

    /// <summary>Starts batches on free servers while the rules allow; otherwise arms the batch-forming timer.</summary>
    private void Dispatch(BatchingPoolState pool, double t)
    {
        while (pool.FreeCount > 0 && pool.QueueCount > 0)
        {
            if (pool.QueueCount >= pool.MaxBatch || pool.MaxWait == 0)
            {
                StartBatch(pool, t, Math.Min(pool.QueueCount, pool.MaxBatch));
                continue;
            }

            var due = pool.QueueArrival[pool.QueueHead] + pool.MaxWait;
            if (t >= due)
            {
                StartBatch(pool, t, pool.QueueCount);
                continue;
            }

            if (!pool.TimerArmed || pool.TimerAt != due)
            {
                pool.TimerVersion++;
                pool.TimerArmed = true;
                pool.TimerAt = due;
                events.Push(due, EventKind.BatchTimer, pool.Index, pool.TimerVersion);
            }

            return;
        }
    }

    private void StartBatch(BatchingPoolState pool, double t, int size)
    {
        var server = pool.FreeStack[--pool.FreeCount];
        var service = pool.Service.Sample(size, pool.Random);
        var end = t + service;
        var rtt = pool.RttSeconds;
        var head = pool.QueueHead;
        var mask = pool.QueueMask;
        var metrics = pool.Metrics;
        for (var j = 0; j < size; j++)
        {
            var arrival = pool.QueueArrival[head];
            var tag = pool.QueueTag[head];
            head = (head + 1) & mask;
            WaitEnded(pool, arrival, t);
            if (window.IsMeasured(tag.Index))
            {
                var wait = t - arrival;
                recorder.Served(metrics, tag, arrival, wait, wait + service + rtt, end, size);
            }
        }

        pool.QueueHead = head;
        pool.QueueCount -= size;
        pool.InService += size;
        pool.BatchOf[server] = size;
        pool.BusyUntil[server] = end;
        if (window.IsOpen)
        {
            metrics.BusySeconds[server] += service;
            metrics.AreaInService += size * service;
            metrics.BatchSizeCounts[size]++;
            _series?.Busy(t, end);
        }

        events.Push(end, EventKind.ServerFree, pool.Index, server);
    }

    /// <summary>
    /// Removes the queries that gave up by <paramref name="t"/>. With one timeout per pool, deadlines follow arrival
    /// order, so they leave from the head, each at its own deadline.
    /// </summary>
    private void Purge(BatchingPoolState pool, double t)
    {
        while (pool.QueueCount > 0)
        {
            var deadline = pool.QueueArrival[pool.QueueHead] + pool.Timeout;
            if (deadline > t)
            {
                return;
            }

            WaitEnded(pool, pool.QueueArrival[pool.QueueHead], deadline);
            var tag = pool.QueueTag[pool.QueueHead];
            pool.QueueHead = (pool.QueueHead + 1) & pool.QueueMask;
            pool.QueueCount--;
            if (window.IsMeasured(tag.Index))
            {
                recorder.Abandoned(pool.Metrics, tag.Class);
            }
        }
    }

    /// <summary>A wait from <paramref name="arrival"/> ends at <paramref name="t"/>: its part in the window joins the queue's integral.</summary>
    private void WaitEnded(BatchingPoolState pool, double arrival, double t)
    {
        var inside = window.Overlap(arrival, t);
        if (inside > 0)
        {
            pool.Metrics.AreaQueue += inside;
            _series?.QueueArea(Math.Max(arrival, window.ClipStart), Math.Min(t, window.ClipEnd), 1);
        }
    }
}
