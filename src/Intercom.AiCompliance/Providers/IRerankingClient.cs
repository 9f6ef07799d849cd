namespace Intercom.AiCompliance.Providers;

/// <summary>
/// Serves reranking for one deployment. Microsoft.Extensions.AI has no reranking abstraction, so the package keeps
/// this small one; register it per deployment like any M.E.AI client.
/// </summary>
public interface IRerankingClient
{
    /// <summary>Scores each of <paramref name="documents"/> against <paramref name="query"/>, from 0 (irrelevant) to 1, in document order.</summary>
    /// <param name="query">The query.</param>
    /// <param name="documents">The passages to score.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One score per document, in document order.</returns>
    Task<IReadOnlyList<double>> RerankAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken = default);
}
