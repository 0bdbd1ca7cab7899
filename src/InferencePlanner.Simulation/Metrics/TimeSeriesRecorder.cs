namespace InferencePlanner.Simulation.Metrics;

/// <summary>Sums per time bucket over the measured window; buckets are added as time advances.</summary>
internal sealed class TimeSeriesRecorder(double intervalSeconds, int maxBuckets, int servers)
{
    private readonly List<double> _arrivals = [];
    private readonly List<double> _completions = [];
    private readonly List<double> _latencySum = [];
    private readonly List<double> _busy = [];
    private readonly List<double> _queueArea = [];

    public double IntervalSeconds { get; } = intervalSeconds;
    public double Origin { get; set; }

    public void Arrival(double t) => Add(_arrivals, t, 1);

    public void Completion(double t, double latencySeconds)
    {
        var i = Bucket(t);
        if (i < 0)
        {
            return;
        }

        Ensure(i);
        _completions[i] += 1;
        _latencySum[i] += latencySeconds;
    }

    /// <summary>Adds value × overlap of [from, to) with each bucket to <paramref name="series"/>.</summary>
    public void Busy(double from, double to) => Spread(_busy, from, to, 1);

    public void QueueArea(double from, double to, int queueLength) => Spread(_queueArea, from, to, queueLength);

    /// <summary>The series over [Origin, end): rates per second, means per bucket.</summary>
    public Results.TimeSeries Build(double end)
    {
        var n = Math.Min(maxBuckets, (int)Math.Ceiling((end - Origin) / IntervalSeconds));
        Ensure(n - 1);
        var starts = new double[n];
        var arrivals = new double[n];
        var completions = new double[n];
        var latency = new double[n];
        var utilization = new double[n];
        var queue = new double[n];
        for (var i = 0; i < n; i++)
        {
            var width = Math.Min(IntervalSeconds, end - (Origin + (i * IntervalSeconds)));
            starts[i] = i * IntervalSeconds;
            arrivals[i] = _arrivals[i] / width;
            completions[i] = _completions[i] / width;
            latency[i] = _completions[i] > 0 ? 1000 * _latencySum[i] / _completions[i] : 0;
            utilization[i] = _busy[i] / (servers * width);
            queue[i] = _queueArea[i] / width;
        }

        return new Results.TimeSeries
        {
            IntervalSeconds = IntervalSeconds,
            StartSeconds = starts,
            ArrivalsPerSecond = arrivals,
            CompletionsPerSecond = completions,
            MeanLatencyMs = latency,
            Utilization = utilization,
            MeanQueueLength = queue,
        };
    }

    private int Bucket(double t)
    {
        var i = (int)Math.Floor((t - Origin) / IntervalSeconds);
        return i >= 0 && i < maxBuckets ? i : -1;
    }

    private void Add(List<double> series, double t, double value)
    {
        var i = Bucket(t);
        if (i < 0)
        {
            return;
        }

        Ensure(i);
        series[i] += value;
    }

    private void Spread(List<double> series, double from, double to, double weight)
    {
        if (!(to > from) || weight == 0)
        {
            return;
        }

        var i = Math.Max(0, (int)Math.Floor((from - Origin) / IntervalSeconds));
        while (i < maxBuckets)
        {
            var start = Origin + (i * IntervalSeconds);
            var stop = start + IntervalSeconds;
            if (start >= to)
            {
                break;
            }

            var overlap = Math.Min(stop, to) - Math.Max(start, from);
            if (overlap > 0)
            {
                Ensure(i);
                series[i] += weight * overlap;
            }

            i++;
        }
    }

    private void Ensure(int index)
    {
        while (_arrivals.Count <= index)
        {
            _arrivals.Add(0);
            _completions.Add(0);
            _latencySum.Add(0);
            _busy.Add(0);
            _queueArea.Add(0);
        }
    }
}
