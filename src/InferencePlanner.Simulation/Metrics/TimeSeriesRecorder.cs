namespace InferencePlanner.Simulation.Metrics;

/// <summary>Sums per time bucket over the measured window; buckets are added as time advances.</summary>
internal sealed class TimeSeriesRecorder(double intervalSeconds, int maxBuckets, int servers)
{
    private readonly List<double> _arrivals = [];
    private readonly List<double> _completions = [];
    private readonly List<double> _latencySum = [];
    private readonly List<double> _busy = [];
    private readonly List<double> _queueArea = [];
    private readonly List<double> _kvArea = [];
    private readonly List<double> _runningArea = [];
    private readonly List<double> _preemptions = [];
    private readonly List<double> _prefillTokens = [];
    private readonly List<double> _decodeTokens = [];
    private readonly List<double> _steps = [];
    private double _kvCapacityTokens;

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

    /// <summary>A generative pool whose replicas' KV caches hold <paramref name="tokens"/> tokens in all: the generative series are kept.</summary>
    public void AddKvCapacity(double tokens) => _kvCapacityTokens += tokens;

    /// <summary>Generative pools' KV tokens in use and running sequences over [from, to).</summary>
    public void LlmState(double from, double to, double kvTokens, int running)
    {
        Spread(_kvArea, from, to, kvTokens);
        Spread(_runningArea, from, to, running);
    }

    public void Preemption(double t) => Add(_preemptions, t, 1);

    /// <summary>An iteration started at <paramref name="t"/> with its prompt and decode tokens.</summary>
    public void Step(double t, double prefillTokens, int decodeTokens)
    {
        var i = Bucket(t);
        if (i < 0)
        {
            return;
        }

        Ensure(i);
        _steps[i] += 1;
        _prefillTokens[i] += prefillTokens;
        _decodeTokens[i] += decodeTokens;
    }

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
        var generative = _kvCapacityTokens > 0;
        var kv = new double[generative ? n : 0];
        var runningSeqs = new double[kv.Length];
        var preemptions = new double[kv.Length];
        var prefill = new double[kv.Length];
        var decode = new double[kv.Length];
        for (var i = 0; i < n; i++)
        {
            var width = Math.Min(IntervalSeconds, end - (Origin + (i * IntervalSeconds)));
            starts[i] = i * IntervalSeconds;
            arrivals[i] = _arrivals[i] / width;
            completions[i] = _completions[i] / width;
            latency[i] = _completions[i] > 0 ? 1000 * _latencySum[i] / _completions[i] : 0;
            utilization[i] = _busy[i] / (servers * width);
            queue[i] = _queueArea[i] / width;
            if (generative)
            {
                kv[i] = _kvArea[i] / (_kvCapacityTokens * width);
                runningSeqs[i] = _runningArea[i] / width;
                preemptions[i] = _preemptions[i] / width;
                prefill[i] = _steps[i] > 0 ? _prefillTokens[i] / _steps[i] : 0;
                decode[i] = _steps[i] > 0 ? _decodeTokens[i] / _steps[i] : 0;
            }
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
            KvCacheUtilization = generative ? kv : null,
            RunningSequences = generative ? runningSeqs : null,
            PreemptionsPerSecond = generative ? preemptions : null,
            PrefillTokensPerStep = generative ? prefill : null,
            DecodeTokensPerStep = generative ? decode : null,
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
            _kvArea.Add(0);
            _runningArea.Add(0);
            _preemptions.Add(0);
            _prefillTokens.Add(0);
            _decodeTokens.Add(0);
            _steps.Add(0);
        }
    }
}
