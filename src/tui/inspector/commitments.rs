//! The account panel: Reserved Instances and Savings Plans bought for the
//! whole level, as fields like a thing's.

use crate::format::catalogue::Family;
use crate::format::solution::{Commitment, Payment, PlanKind, Term};

use super::set::{parse_f64, parse_u32};
use super::{Input, Offer, Refused, choices, refuse};

/// Which setting of a commitment a field edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitKey {
    /// Reserved instance type, or savings plan kind.
    What(usize),
    /// Reserved count, or savings plan dollars per hour.
    Amount(usize),
    /// Reserved term.
    Term(usize),
    /// Reserved payment option.
    Payment(usize),
    /// A new commitment (choose its kind).
    Add,
}

/// One row of the account panel (commitments for the whole level).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitField {
    /// What it edits.
    pub key: CommitKey,
    /// Strings key of its label.
    pub label: &'static str,
    /// Value in the text `set_commitment` accepts.
    pub value: String,
    /// How it is changed.
    pub input: Input,
}

const PLANS: [&str; 6] = [
    "compute",
    "ec2-general",
    "ec2-compute",
    "ec2-memory",
    "ec2-accelerated",
    "ec2-storage",
];

fn plan_text(p: PlanKind) -> &'static str {
    match p {
        PlanKind::Compute => "compute",
        PlanKind::Ec2Instance(Family::GeneralPurpose) => "ec2-general",
        PlanKind::Ec2Instance(Family::ComputeOptimised) => "ec2-compute",
        PlanKind::Ec2Instance(Family::MemoryOptimised) => "ec2-memory",
        PlanKind::Ec2Instance(Family::Accelerated) => "ec2-accelerated",
        PlanKind::Ec2Instance(Family::StorageOptimised) => "ec2-storage",
    }
}

/// The commitment rows, ending with one that adds a commitment.
pub fn commitment_fields(commitments: &[Commitment], offer: &Offer) -> Vec<CommitField> {
    let mut out = Vec::new();
    for (i, c) in commitments.iter().enumerate() {
        match c {
            Commitment::Reserved {
                instance_type,
                count,
                term,
                payment,
            } => {
                out.push(CommitField {
                    key: CommitKey::What(i),
                    label: "field.reserved",
                    value: instance_type.clone(),
                    input: Input::Choice(offer.instance_types()),
                });
                out.push(CommitField {
                    key: CommitKey::Amount(i),
                    label: "field.count",
                    value: count.to_string(),
                    input: Input::Number(1.0),
                });
                terms(&mut out, i, *term, *payment);
            }
            Commitment::SavingsPlan {
                plan,
                usd_per_hour,
                term,
                payment,
            } => {
                out.push(CommitField {
                    key: CommitKey::What(i),
                    label: "field.savings_plan",
                    value: plan_text(*plan).into(),
                    input: choices(&PLANS),
                });
                out.push(CommitField {
                    key: CommitKey::Amount(i),
                    label: "field.usd_per_hour",
                    value: usd_per_hour.to_string(),
                    input: Input::Number(0.1),
                });
                terms(&mut out, i, *term, *payment);
            }
        }
    }
    out.push(CommitField {
        key: CommitKey::Add,
        label: "field.add_commitment",
        value: "none".into(),
        input: choices(&["none", "reserved", "savings-plan"]),
    });
    out
}

/// Sets a commitment field from text; `Add` with `reserved`/`savings-plan` appends one, a `What` of `none` removes one.
pub fn set_commitment(
    commitments: &mut Vec<Commitment>,
    key: CommitKey,
    text: &str,
    offer: &Offer,
) -> Result<(), Refused> {
    let text = text.trim();
    match key {
        CommitKey::Add => match text {
            "reserved" => commitments.push(Commitment::Reserved {
                instance_type: offer
                    .instance_types()
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
                count: 1,
                term: Term::OneYear,
                payment: Payment::NoUpfront,
            }),
            "savings-plan" => commitments.push(Commitment::SavingsPlan {
                plan: PlanKind::Compute,
                usd_per_hour: 0.1,
                term: Term::OneYear,
                payment: Payment::NoUpfront,
            }),
            "none" => {}
            _ => return Err(refuse("refused.choice", text)),
        },
        CommitKey::What(i) | CommitKey::Amount(i) | CommitKey::Term(i) | CommitKey::Payment(i) => {
            if text == "none" && matches!(key, CommitKey::What(_)) {
                if i < commitments.len() {
                    commitments.remove(i);
                }
                return Ok(());
            }
            let Some(c) = commitments.get_mut(i) else {
                return Err(refuse("refused.not_here", text));
            };
            match (c, key) {
                (Commitment::Reserved { instance_type, .. }, CommitKey::What(_)) => {
                    if !offer.instance_types().iter().any(|t| t == text) {
                        return Err(refuse("refused.choice", text));
                    }
                    *instance_type = text.into();
                }
                (Commitment::Reserved { count, .. }, CommitKey::Amount(_)) => {
                    *count = parse_u32(text)?.min(1000)
                }
                (
                    Commitment::Reserved { term, .. } | Commitment::SavingsPlan { term, .. },
                    CommitKey::Term(_),
                ) => {
                    *term = match text {
                        "1y" => Term::OneYear,
                        "3y" => Term::ThreeYears,
                        _ => return Err(refuse("refused.choice", text)),
                    }
                }
                (
                    Commitment::Reserved { payment, .. } | Commitment::SavingsPlan { payment, .. },
                    CommitKey::Payment(_),
                ) => {
                    *payment = match text {
                        "no-upfront" => Payment::NoUpfront,
                        "partial-upfront" => Payment::PartialUpfront,
                        "all-upfront" => Payment::AllUpfront,
                        _ => return Err(refuse("refused.choice", text)),
                    }
                }
                (Commitment::SavingsPlan { plan, .. }, CommitKey::What(_)) => {
                    *plan = match PLANS.iter().position(|p| *p == text) {
                        Some(0) => PlanKind::Compute,
                        Some(i) => PlanKind::Ec2Instance(Family::ALL[i - 1]),
                        None => return Err(refuse("refused.choice", text)),
                    }
                }
                (Commitment::SavingsPlan { usd_per_hour, .. }, CommitKey::Amount(_)) => {
                    *usd_per_hour = parse_f64(text)?
                }
                _ => return Err(refuse("refused.not_here", text)),
            }
        }
    }
    Ok(())
}

/// The term and payment rows every commitment has.
fn terms(out: &mut Vec<CommitField>, i: usize, term: Term, payment: Payment) {
    out.push(CommitField {
        key: CommitKey::Term(i),
        label: "field.term",
        value: match term {
            Term::OneYear => "1y",
            Term::ThreeYears => "3y",
        }
        .into(),
        input: choices(&["1y", "3y"]),
    });
    out.push(CommitField {
        key: CommitKey::Payment(i),
        label: "field.payment",
        value: match payment {
            Payment::NoUpfront => "no-upfront",
            Payment::PartialUpfront => "partial-upfront",
            Payment::AllUpfront => "all-upfront",
        }
        .into(),
        input: choices(&["no-upfront", "partial-upfront", "all-upfront"]),
    });
}

/// Steps a commitment field one notch.
pub fn adjust_commitment(
    commitments: &mut Vec<Commitment>,
    key: CommitKey,
    delta: i32,
    offer: &Offer,
) -> Result<(), Refused> {
    let Some(f) = commitment_fields(commitments, offer)
        .into_iter()
        .find(|f| f.key == key)
    else {
        return Err(refuse("refused.not_here", ""));
    };
    let next = match &f.input {
        Input::Choice(options) if !options.is_empty() => {
            let at = options.iter().position(|o| *o == f.value).unwrap_or(0) as i64;
            options[(at + i64::from(delta)).rem_euclid(options.len() as i64) as usize].clone()
        }
        Input::Number(step) => {
            let v = (f.value.parse::<f64>().unwrap_or(0.0) + step * f64::from(delta)).max(0.0);
            if *step >= 1.0 {
                format!("{}", v.round())
            } else {
                format!("{}", (v * 1000.0).round() / 1000.0)
            }
        }
        _ => return Err(refuse("refused.not_here", "")),
    };
    set_commitment(commitments, key, &next, offer)
}

/// Removes the commitment a row belongs to. Returns whether one was removed.
pub fn remove_commitment(commitments: &mut Vec<Commitment>, key: CommitKey) -> bool {
    match key {
        CommitKey::What(i) | CommitKey::Amount(i) | CommitKey::Term(i) | CommitKey::Payment(i)
            if i < commitments.len() =>
        {
            commitments.remove(i);
            true
        }
        _ => false,
    }
}
