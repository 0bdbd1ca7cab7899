using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Workload;

/// <summary>
/// A generative query's tokens: its trace row's when the arrivals replay a trace; drawn from the workload's input
/// and output distributions (rounded, at least 1, at most the distribution's max) on their own stream; or, for
/// other arrivals beside a trace and no distributions (sizing a trace-driven pool with Poisson arrivals), a random
/// row's of the trace: its empirical distribution, never one token.
/// </summary>
internal sealed class TokenSampler(ArrivalTrace? trace, TokensSpec? spec, RandomSequence random, PrefixSpec? prefix = null)
{
    private readonly int _prefixGroups = prefix?.Groups ?? 0;
    private readonly int _prefixTokens = prefix?.Tokens ?? 0;

    /// <summary>The shared prefix the query opens with (0-based), or −1 when prompts share none.</summary>
    public int PrefixGroup { get; private set; } = -1;

    /// <summary>Tokens of the shared prefix at the start of the query's prompt (never all of it: at least one token is its own).</summary>
    public int PrefixTokens { get; private set; }

    public int Input { get; private set; } = 1;

    public int Output { get; private set; } = 1;

    /// <summary>Draws the tokens of the query that arrived last (<paramref name="traceRow"/>: its row, or −1).</summary>
    public void Draw(int traceRow)
    {
        DrawTokens(traceRow);
        if (_prefixGroups > 0)
        {
            PrefixGroup = Math.Min(_prefixGroups - 1, (int)(random.NextDouble() * _prefixGroups));
            PrefixTokens = Math.Min(_prefixTokens, Input - 1);
        }
    }

    private void DrawTokens(int traceRow)
    {
        if (trace is not null && traceRow < 0 && spec?.Input is null && spec?.Output is null && trace.Count > 0)
        {
            traceRow = Math.Min(trace.Count - 1, (int)(random.NextDouble() * trace.Count));
        }

        if (trace is not null && traceRow >= 0)
        {
            Input = Math.Max(1, trace.ContextTokens[traceRow]);
            Output = Math.Max(1, trace.GeneratedTokens[traceRow]);
            return;
        }

        Input = Draw(spec?.Input);
        Output = Draw(spec?.Output);
    }

    private int Draw(TokenDistributionSpec? distribution)
    {
        if (distribution?.Mean is not { } mean)
        {
            return 1;
        }

        var value = distribution.Distribution switch
        {
            ScenarioNames.Exponential => random.Exponential(mean),
            ScenarioNames.Lognormal => LogNormal(mean, distribution.Scv ?? 1),
            _ => mean,
        };
        return (int)Math.Clamp(Math.Round(value), 1, distribution.Max ?? int.MaxValue);
    }

    private double LogNormal(double mean, double scv)
    {
        var sigma = Math.Sqrt(Math.Log(1 + scv));
        return Math.Exp(Math.Log(mean) - (0.5 * sigma * sigma) + (sigma * random.StandardNormal()));
    }
}
