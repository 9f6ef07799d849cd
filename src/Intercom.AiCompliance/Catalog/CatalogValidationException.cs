namespace Intercom.AiCompliance.Catalog;

/// <summary>Thrown when a catalogue has errors; nothing is planned against an invalid catalogue.</summary>
public sealed class CatalogValidationException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    public CatalogValidationException(IReadOnlyList<CatalogValidationError> errors)
        : base(BuildMessage(errors)) => Errors = errors;

    /// <summary>Every error found, in catalogue order.</summary>
    public IReadOnlyList<CatalogValidationError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<CatalogValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return $"The AI provider catalogue has {errors.Count} error(s); fix them before routing:{Environment.NewLine}"
            + string.Join(Environment.NewLine, errors.Select(e => "  - " + e));
    }
}
