namespace InferencePlanner.Cli.Commands;

/// <summary>
/// Reports on the calling thread, one report at a time (Progress&lt;T&gt; would post to the thread pool, out of order;
/// the forecaster and the replications report from several threads at once).
/// </summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}

/// <summary>Progress of long work as a line on stderr at each tenth done.</summary>
internal static class TenthsProgress
{
    /// <summary>Writes <paramref name="line"/>(percent) whenever the fraction done passes another tenth.</summary>
    public static IProgress<double> To(TextWriter stderr, Func<int, string> line)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(line);
        var last = -1;
        return new InlineProgress<double>(fraction =>
        {
            var percent = (int)(fraction * 100);
            if (percent / 10 != last / 10)
            {
                last = percent;
                stderr.WriteLine(line(percent));
            }
        });
    }
}
