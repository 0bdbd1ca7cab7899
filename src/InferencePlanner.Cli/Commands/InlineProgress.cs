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
