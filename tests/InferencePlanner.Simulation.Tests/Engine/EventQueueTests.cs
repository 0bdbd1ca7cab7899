using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Tests.Engine;

public sealed class EventQueueTests
{
    [Fact]
    public void Pop_ReturnsEventsByTime_AndEqualTimesInSchedulingOrder()
    {
        var queue = new EventQueue(4);
        var random = new Random(3);
        var scheduled = new List<(double Time, int Id)>();
        for (var id = 0; id < 10_000; id++)
        {
            var time = Math.Round(random.NextDouble() * 100); // many ties
            scheduled.Add((time, id));
            queue.Push(time, 0, id);
        }

        var popped = new List<(double Time, int Id)>();
        while (queue.Count > 0)
        {
            var e = queue.Pop();
            popped.Add((e.Time, e.Target));
        }

        Assert.Equal(scheduled.OrderBy(e => e.Time).ThenBy(e => e.Id), popped);
    }
}
