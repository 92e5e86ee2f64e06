//! The `[alerts]` table: which warnings are this board's (docs/alerts.md).

use serde::Deserialize;
use thiserror::Error;

/// What is wrong with the `[alerts]` table.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AlertsConfigError {
    #[error(
        "alerts.geocodes {0:?} is not a GB/T 2260 code of 6, 9 or 12 digits (420506, 420506100, 420506100000), \
         nor NAME=VALUE for another code system"
    )]
    Geocode(String),
    #[error("alerts.geocodes: {0:?} is neither a GB/T 2260 code (6 to 12 digits, e.g. \"420506\") nor NAME=VALUE")]
    GeocodeDigits(String),
    #[error("alerts.location [{0}, {1}] is not [latitude, longitude] in degrees")]
    Location(f64, f64),
    #[error("alerts.min_severity {0:?} must be Extreme, Severe, Moderate, Minor or Unknown")]
    Severity(String),
    #[error("alerts.min_urgency {0:?} must be Immediate, Expected, Future, Past or Unknown")]
    Urgency(String),
    #[error("alerts.min_certainty {0:?} must be Observed, Likely, Possible, Unlikely or Unknown")]
    Certainty(String),
    #[error("alerts.default_lifetime {0:?} is not a duration such as \"6h\" or \"90m\"")]
    Lifetime(String),
}

/// `[alerts]`: which warnings are this board's (docs/alerts.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    #[serde(default)]
    geocodes: Vec<String>,
    location: Option<[f64; 2]>,
    min_severity: Option<String>,
    min_urgency: Option<String>,
    min_certainty: Option<String>,
    languages: Option<Vec<String>>,
    default_lifetime: Option<String>,
    #[serde(default)]
    show_exercises: bool,
}

impl RawAlerts {
    pub(super) fn validate(&self) -> Result<crate::alerts::AlertConfig, AlertsConfigError> {
        use crate::alerts::cap::{Certainty, Severity, Urgency};
        let mut c = crate::alerts::AlertConfig {
            geocodes: self.geocodes.clone(),
            show_exercises: self.show_exercises,
            ..crate::alerts::AlertConfig::default()
        };
        if let Some(bad) = self
            .geocodes
            .iter()
            .find(|g| !g.contains('=') && !crate::alerts::geo::is_division_code(g))
        {
            return Err(AlertsConfigError::Geocode(bad.clone()));
        }
        if let Some([lat, lon]) = self.location {
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(AlertsConfigError::Location(lat, lon));
            }
            c.location = Some((lat, lon));
        }
        if let Some(s) = &self.min_severity {
            c.min_severity = Severity::parse(s).ok_or_else(|| AlertsConfigError::Severity(s.clone()))?;
        }
        if let Some(s) = &self.min_urgency {
            c.min_urgency = Urgency::parse(s).ok_or_else(|| AlertsConfigError::Urgency(s.clone()))?;
        }
        if let Some(s) = &self.min_certainty {
            c.min_certainty = Certainty::parse(s).ok_or_else(|| AlertsConfigError::Certainty(s.clone()))?;
        }
        if let Some(l) = &self.languages {
            c.languages.clone_from(l);
        }
        if let Some(d) = &self.default_lifetime {
            c.default_lifetime = d
                .parse::<jiff::SignedDuration>()
                .ok()
                .filter(jiff::SignedDuration::is_positive)
                .ok_or_else(|| AlertsConfigError::Lifetime(d.clone()))?;
        }
        for g in &self.geocodes {
            let ok = g.contains('=') || (g.len() >= 6 && g.len() <= 12 && g.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                return Err(AlertsConfigError::GeocodeDigits(g.clone()));
            }
        }
        Ok(c)
    }
}
