using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sweeps;

namespace InferencePlanner.Cli.Commands;

/// <summary>
/// A sweep run by a server's cluster (<c>sweep --server URL</c>): the document posted to <c>/api/sweeps</c>, its progress
/// polled, each poll bounded by a timeout and tried again (a 503 after its Retry-After) rather than hanging; a cancel
/// (Ctrl+C) cancels the sweep on the server too.
/// </summary>
internal sealed class SweepClient(Uri server, TimeSpan pollTimeout, TextWriter stderr)
{
    /// <summary>How long the server may fail to answer, poll after poll, before the client gives up (the sweep goes on there).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The API's JSON (web defaults: camelCase).</summary>
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public async Task<SweepResult> RunAsync(string sweepJson, IProgress<double>? progress, CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = pollTimeout };
        // The start is sent once (a repeat could start a second sweep): a server that cannot be reached is an error at once.
        HttpResponseMessage started;
        try
        {
            started = await http.PostAsync(new Uri("api/sweeps", UriKind.Relative), new StringContent(sweepJson, Encoding.UTF8, "application/json"), cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"--server: cannot reach {server} ({ex.Message})", ex);
        }
        catch (TaskCanceledException ex) when (!cancellation.IsCancellationRequested)
        {
            throw new IOException($"--server: {server} did not answer within {pollTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", ex);
        }

        using var startResponse = started;
        var body = await started.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        if (started.StatusCode == HttpStatusCode.BadRequest)
        {
            throw new ScenarioException(Problems(body));
        }

        Expect(started, body, HttpStatusCode.Accepted);
        using var start = JsonDocument.Parse(body);
        var id = start.RootElement.GetProperty("id").GetString()!;
        var status = $"api/sweeps/{id}";
        stderr.WriteLine($"sweep {id}: {start.RootElement.GetProperty("variants").GetInt32()} variants on {server}");
        try
        {
            while (true)
            {
                using var polled = await SendAsync(http, () => new HttpRequestMessage(HttpMethod.Get, status), cancellation).ConfigureAwait(false);
                var text = await polled.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
                Expect(polled, text, HttpStatusCode.OK);
                using var answer = JsonDocument.Parse(text);
                var root = answer.RootElement;
                var state = root.GetProperty("state").GetString();
                var chunks = root.TryGetProperty("chunks", out var c) && c.GetInt32() > 0 ? (Done: root.GetProperty("chunksDone").GetInt32(), Total: c.GetInt32()) : (Done: root.GetProperty("done").GetInt32(), Total: root.GetProperty("total").GetInt32());
                progress?.Report(chunks.Total == 0 ? 1 : (double)chunks.Done / chunks.Total);
                switch (state)
                {
                    case "done":
                        return JsonSerializer.Deserialize<SweepResult>(root.GetProperty("result").GetRawText(), Web)!;
                    case "cancelled":
                        throw new OperationCanceledException($"sweep {id} was cancelled on the server");
                }

                await Task.Delay(PollInterval, cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped here: stop it there too, as far as the server can be reached in a few seconds.
            using var quick = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var _ = await quick.DeleteAsync(new Uri(status, UriKind.Relative), CancellationToken.None).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            throw;
        }
    }

    /// <summary>
    /// Sends a poll, again and again while the server cannot be reached, does not answer within the poll timeout, or
    /// answers 503 (after its Retry-After), further apart each time, until <see cref="Patience"/> has passed.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpClient http, Func<HttpRequestMessage> request, CancellationToken cancellation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            TimeSpan? after = null;
            try
            {
                using var message = request();
                var response = await http.SendAsync(message, cancellation).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    return response;
                }

                reason = "503 service unavailable";
                after = response.Headers.RetryAfter?.Delta;
                response.Dispose();
            }
            catch (HttpRequestException ex)
            {
                reason = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
            {
                reason = $"no answer within {pollTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
            }

            if (clock.Elapsed > Patience)
            {
                throw new IOException($"--server: {server} stopped answering for {Patience.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes ({reason}); the sweep may still be running there");
            }

            var wait = after ?? TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, attempt - 1)));
            stderr.WriteLine($"server: {reason}; trying again in {wait.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
            await Task.Delay(wait, cancellation).ConfigureAwait(false);
        }
    }

    private void Expect(HttpResponseMessage response, string body, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new IOException($"--server: {server} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Detail(body)}");
        }
    }

    private static string Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    /// <summary>A 400's problem+json as named errors (each path with its reasons).</summary>
    private static List<ScenarioError> Problems(string body)
    {
        using var problem = JsonDocument.Parse(body);
        if (problem.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            return [.. errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(r => new ScenarioError(e.Name, r.GetString() ?? string.Empty)))];
        }

        return [new ScenarioError("$", Detail(body))];
    }
}
