namespace InferencePlanner.Core.Analytics;

/// <summary>
/// M/M/c/K: c servers and room for K − c waiting; an arrival that finds K in the system is rejected.
/// The stationary distribution is the truncated birth–death one: p_n ∝ aⁿ/n! for n ≤ c and
/// aⁿ/(c!·c^(n−c)) above. With K = c this is Erlang's loss system.
/// </summary>
public sealed record FiniteQueue
{
    private readonly double[] _p;

    public FiniteQueue(double arrivalRate, double serviceRate, int servers, int waitingRoom)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(servers);
        ArgumentOutOfRangeException.ThrowIfNegative(waitingRoom);
        if (!(arrivalRate > 0) || !(serviceRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), "rates must be positive");
        }

        ArrivalRate = arrivalRate;
        ServiceRate = serviceRate;
        Servers = servers;
        WaitingRoom = waitingRoom;

        // Unnormalised terms by their ratio p_n / p_{n−1} = a / min(n, c): no factorial overflow.
        var a = arrivalRate / serviceRate;
        var capacity = servers + waitingRoom;
        _p = new double[capacity + 1];
        _p[0] = 1;
        for (var n = 1; n <= capacity; n++)
        {
            _p[n] = _p[n - 1] * a / Math.Min(n, servers);
            if (_p[n] > 1e250)
            {
                // Rescale to stay finite for heavy overload.
                for (var k = 0; k <= n; k++)
                {
                    _p[k] /= 1e250;
                }
            }
        }

        var total = _p.Sum();
        for (var n = 0; n <= capacity; n++)
        {
            _p[n] /= total;
        }
    }

    public double ArrivalRate { get; }
    public double ServiceRate { get; }
    public int Servers { get; }
    public int WaitingRoom { get; }
    public int Capacity => Servers + WaitingRoom;

    /// <summary>P(n in system).</summary>
    public double StateProbability(int n) => n < 0 || n > Capacity ? 0 : _p[n];

    /// <summary>The share of arrivals rejected, p_K (PASTA).</summary>
    public double RejectionProbability => _p[Capacity];

    /// <summary>The share of admitted queries that wait.</summary>
    public double ProbabilityOfWait
    {
        get
        {
            var waits = 0.0;
            for (var n = Servers; n < Capacity; n++)
            {
                waits += _p[n];
            }

            return waits / (1 - RejectionProbability);
        }
    }

    public double MeanQueueLength
    {
        get
        {
            var lq = 0.0;
            for (var n = Servers + 1; n <= Capacity; n++)
            {
                lq += (n - Servers) * _p[n];
            }

            return lq;
        }
    }

    /// <summary>Mean wait of admitted queries, by Little's law on the admitted rate.</summary>
    public double MeanWait => MeanQueueLength / (ArrivalRate * (1 - RejectionProbability));

    /// <summary>Server utilization: carried load / c.</summary>
    public double Utilization => ArrivalRate * (1 - RejectionProbability) / (ServiceRate * Servers);
}
