using System.Net;
using System.Net.Sockets;

namespace InferencePlanner.Cluster;

/// <summary>Sweeps as the API and the dashboard see them: start one, read where it stands, cancel it; the work runs on the cluster.</summary>
public sealed class SweepService(IGrainFactory grains)
{
    /// <summary>Starts a sweep under a new id: the id, or the document's problems in words (nothing started).</summary>
    public async Task<(Guid Id, string? Problem)> StartAsync(string sweepJson, int maxVariants)
    {
        ArgumentNullException.ThrowIfNull(sweepJson);
        var id = Guid.NewGuid();
        var problem = await grains.GetGrain<ISweepGrain>(id).StartAsync(sweepJson, maxVariants).ConfigureAwait(false);
        return (id, problem);
    }

    /// <summary>Where the sweep stands; null when no sweep has this id.</summary>
    public async Task<SweepStatus?> StatusAsync(Guid id)
    {
        var status = await grains.GetGrain<ISweepGrain>(id).GetStatusAsync().ConfigureAwait(false);
        return status.Total == 0 ? null : status;
    }

    /// <summary>Cancels the sweep; false when no sweep has this id.</summary>
    public async Task<bool> CancelAsync(Guid id)
    {
        if (await StatusAsync(id).ConfigureAwait(false) is null)
        {
            return false;
        }

        await grains.GetGrain<ISweepGrain>(id).CancelAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>A TCP port free on the loopback now: an embedded silo's ports, so that several apps (or tests) run side by side.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
