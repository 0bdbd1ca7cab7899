namespace InferencePlanner.Core.Analytics;

/// <summary>Erlang's loss (B) and delay (C) formulas, by the numerically stable recursion.</summary>
public static class ErlangFormulas
{
    /// <summary>
    /// Erlang B: the probability that an arrival finds all <paramref name="servers"/> busy in a loss system
    /// offered <paramref name="offeredLoad"/> erlangs (λ/μ). B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)).
    /// </summary>
    public static double ErlangB(int servers, double offeredLoad)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(servers);
        if (!(offeredLoad >= 0) || double.IsInfinity(offeredLoad))
        {
            throw new ArgumentOutOfRangeException(nameof(offeredLoad), offeredLoad, "must be a finite number ≥ 0");
        }

        var b = 1.0;
        for (var k = 1; k <= servers; k++)
        {
            b = offeredLoad * b / (k + (offeredLoad * b));
        }

        return b;
    }

    /// <summary>
    /// Erlang C: the probability that an arrival waits in M/M/c with offered load a &lt; c,
    /// C = c·B / (c − a·(1 − B)).
    /// </summary>
    public static double ErlangC(int servers, double offeredLoad)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(servers);
        if (!(offeredLoad >= 0) || offeredLoad >= servers)
        {
            throw new ArgumentOutOfRangeException(nameof(offeredLoad), offeredLoad, $"must be in [0, {servers}) for a stable queue");
        }

        var b = ErlangB(servers, offeredLoad);
        return servers * b / (servers - (offeredLoad * (1 - b)));
    }
}
