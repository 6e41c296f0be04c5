using System.Runtime.Serialization;

namespace Tally.Catalog.Model;

// YAML spells every member in snake_case (UsFederalFiscalYear -> us_federal_fiscal_year) unless an
// [EnumMember] gives the spelling. docs/catalog-format.md describes what each value means.

/// <summary>What kind of publication or dataset a source is.</summary>
public enum SourceKind
{
    OfficialReport,
    OfficialDataset,
    OfficialCorrespondence,
    FoiaDataset,
    OversightReport,
    IndependentAnalysis,
    News,
    FactCheck,
}

/// <summary>The event or entity a metric counts.</summary>
public enum CountedEvent
{
    Removal,
    Return,
    Expulsion,
    Arrest,
    BookIn,
    BookOut,
    Release,
    Detainer,
    PersonOnDocket,
    PersonInDetention,
    PendingCase,
    CaseDismissal,
    CaseCompletion,
    CaseClosure,
    CaseReview,
    CaseManaged,
    RemovalOrder,
    ReliefOrder,
    Hearing,
    Seizure,
    VictimIdentification,
    Inspection,
    Audit,
    Recommendation,
    Reunification,
    WorkforceDeployment,
    Complaint,
}

/// <summary>The unit in which the counted thing is counted.</summary>
public enum CountingUnit
{
    Events,
    People,
    Cases,
    Stays,
    Items,
    Pounds,
    UsDollars,
}

/// <summary>The agency whose actions (or whose docket) a metric covers.</summary>
public enum Agency
{
    [EnumMember(Value = "ICE")] Ice,
    [EnumMember(Value = "CBP")] Cbp,
    [EnumMember(Value = "USCIS")] Uscis,
    [EnumMember(Value = "DHS")] Dhs,
    [EnumMember(Value = "DHS-OIG")] DhsOig,
    [EnumMember(Value = "EOIR")] Eoir,
    [EnumMember(Value = "DOJ")] Doj,
}

/// <summary>Criminality as ICE classifies it (convicted and pending charges are mutually exclusive).</summary>
public enum Criminality
{
    Any,
    Convicted,
    ConvictedViolent,
    PendingCharges,
    CriminalHistory,
    NoConviction,
    Noncriminal,
    NotApplicable,
}

/// <summary>Citizenship scope of the people counted.</summary>
public enum Citizenship
{
    Noncitizens,
    UsCitizens,
    Any,
    NotApplicable,
}

/// <summary>How a value relates to time.</summary>
public enum StatisticType
{
    /// <summary>Events during a period.</summary>
    Flow,
    /// <summary>Things existing on a date.</summary>
    Stock,
    /// <summary>A running total since a stated start, reported on a date or over a window.</summary>
    Cumulative,
    /// <summary>A percentage of a stated denominator.</summary>
    Share,
    /// <summary>An average over a period (e.g. average daily population).</summary>
    Average,
}

/// <summary>The calendar a period is expressed in.</summary>
public enum PeriodBasis
{
    UsFederalFiscalYear,
    CalendarYear,
    Month,
    AsOfDate,
    DateRange,
    MultiYear,
    /// <summary>Only for figures: the source does not say (a period note is then required).</summary>
    Unspecified,
}

/// <summary>Unit of the values.</summary>
public enum MeasureUnit
{
    Count,
    Percent,
    Pounds,
    UsDollars,
}

/// <summary>Formula of a derived metric.</summary>
public enum DerivedOp
{
    Sum,
    Difference,
    Ratio,
}

/// <summary>Typed relation between two metrics.</summary>
public enum RelationType
{
    SubsetOf,
    ComponentOf,
    NotInterchangeableWith,
    Supersedes,
}

/// <summary>How the source qualifies a value.</summary>
public enum FigureQualifier
{
    Exact,
    Approximately,
    /// <summary>"Nearly": just under the value.</summary>
    Nearly,
    AtLeast,
    AtMost,
    MoreThan,
    LessThan,
    /// <summary>"Tens/hundreds of thousands": the value is the power of ten named.</summary>
    OrderOfMagnitude,
}

/// <summary>Status of a figure in its source.</summary>
public enum FigureStatus
{
    Final,
    Provisional,
    YearToDate,
    Revised,
    /// <summary>The source does not say whether the figure is final.</summary>
    Unstated,
}

/// <summary>What a glossary phrase normalises.</summary>
public enum GlossaryDimension
{
    Event,
    Criminality,
    Agency,
    Period,
    Statistic,
}
