using Detector.Api.V1;
using Grpc.Core;

namespace Detector.Cli.Scoring;

/// <summary>
/// Checks requested model names against the server's ListModels before anything is scored, so that a typo fails at once with
/// the list of what the server has (exit code 2) instead of once per image.
/// </summary>
internal static class ModelNames
{
    /// <summary>The server's models by name; null when the server does not implement ListModels (nothing to check against).</summary>
    /// <exception cref="RpcException">ListModels failed for another reason.</exception>
    public static async Task<IReadOnlyDictionary<string, ModelInfo>?> ListAsync(DetectorService.DetectorServiceClient client, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ListModelsResponse response;
        try
        {
            response = await client.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return null;
        }

        var byName = new Dictionary<string, ModelInfo>(StringComparer.Ordinal);
        foreach (ModelInfo model in response.Models)
        {
            byName.TryAdd(model.Name, model);
        }

        return byName;
    }

    /// <summary>The server's model names, sorted and comma-separated, for messages.</summary>
    public static string Available(IReadOnlyDictionary<string, ModelInfo> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        return available.Count == 0 ? "no models" : string.Join(", ", available.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>"Unknown model(s) a, b; the server has: x, y." when a requested name is not on the server; null when all are.</summary>
    public static string? UnknownMessage(IReadOnlyList<string> requested, IReadOnlyDictionary<string, ModelInfo> available)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(available);
        List<string> unknown = requested.Where(m => !available.ContainsKey(m)).ToList();
        return unknown.Count == 0 ? null : $"Unknown model(s) {string.Join(", ", unknown)}; the server has: {Available(available)}.";
    }
}
