namespace Intercom.AiCompliance.Privacy;

/// <summary>
/// The kind of personal or customer-identifying data found in text; names the typed placeholder that replaces it.
/// </summary>
/// <remarks>Like Microsoft.Extensions.Compliance's data classifications: a small value that names a kind of data.</remarks>
public readonly record struct PersonalDataKind
{
    /// <summary>Creates a kind; the name is upper-case letters and underscores, such as <c>EMAIL</c>.</summary>
    public PersonalDataKind(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => c is (>= 'A' and <= 'Z') or '_'))
        {
            throw new ArgumentException($"Kind name '{name}' must be upper-case letters and underscores, such as EMAIL.", nameof(name));
        }

        Name = name;
    }

    /// <summary>The kind's name.</summary>
    public string Name { get; }

    /// <summary>The placeholder that replaces the data, such as <c>[EMAIL]</c>. It never contains the original.</summary>
    public string Placeholder => $"[{Name}]";

    /// <summary>An e-mail address.</summary>
    public static PersonalDataKind Email { get; } = new("EMAIL");

    /// <summary>A telephone number.</summary>
    public static PersonalDataKind Phone { get; } = new("PHONE");

    /// <summary>A payment card number that passes the Luhn check.</summary>
    public static PersonalDataKind Card { get; } = new("CARD");

    /// <summary>An IBAN that passes the mod-97 check.</summary>
    public static PersonalDataKind Iban { get; } = new("IBAN");

    /// <summary>A US Social Security number with a valid area, group and serial.</summary>
    public static PersonalDataKind Ssn { get; } = new("SSN");

    /// <summary>An IPv4 or IPv6 address.</summary>
    public static PersonalDataKind IpAddress { get; } = new("IP");

    /// <summary>A URL that carries personal path segments or query values.</summary>
    public static PersonalDataKind Url { get; } = new("URL");

    /// <summary>A person's name: a participant's, or one a named-entity model found.</summary>
    public static PersonalDataKind Person { get; } = new("PERSON");

    /// <summary>A place (city, region, country, street) found by a named-entity model.</summary>
    public static PersonalDataKind Location { get; } = new("LOCATION");

    /// <summary>An organisation found by a named-entity model (the workspace's own names are <see cref="Company"/>).</summary>
    public static PersonalDataKind Organization { get; } = new("ORGANIZATION");

    /// <summary>The customer's company name or alias.</summary>
    public static PersonalDataKind Company { get; } = new("COMPANY");

    /// <summary>One of the customer's postal addresses.</summary>
    public static PersonalDataKind Address { get; } = new("ADDRESS");

    /// <summary>One of the customer's internet domains.</summary>
    public static PersonalDataKind Domain { get; } = new("DOMAIN");

    /// <inheritdoc/>
    public override string ToString() => Name ?? string.Empty;
}

/// <summary>Where a recognizer found data of a kind.</summary>
/// <param name="Index">The first character.</param>
/// <param name="Length">How many characters.</param>
/// <param name="Kind">What it is.</param>
public readonly record struct PersonalDataMatch(int Index, int Length, PersonalDataKind Kind)
{
    /// <summary>The index just past the match.</summary>
    public int End => Index + Length;
}
