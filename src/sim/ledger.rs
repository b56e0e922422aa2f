//! Money: what each service cost, accrued tick by tick.

use std::collections::BTreeMap;

/// A line of the bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// EC2 instances billed on demand.
    Ec2OnDemand,
    /// EC2 spot instances.
    Ec2Spot,
    /// Reserved Instances (charged whether used or not).
    Ec2Reserved,
    /// Savings Plans commitment and covered usage.
    SavingsPlans,
    /// Dedicated Hosts.
    DedicatedHosts,
    /// Elastic Load Balancing.
    LoadBalancing,
    /// Amazon SQS requests.
    Sqs,
    /// Amazon SNS publishes and deliveries.
    Sns,
    /// AWS Lambda requests and GB-seconds.
    Lambda,
    /// AWS Fargate tasks.
    Fargate,
    /// Amazon EKS control planes.
    Eks,
    /// Servers owned on premises (depreciation plus running overhead).
    OnPremises,
    /// The rest of a commitment's term past a one-off level's end.
    CommitmentTerms,
}

impl Service {
    /// Every line, in report order.
    pub const ALL: [Service; 13] = [
        Service::OnPremises,
        Service::Ec2OnDemand,
        Service::Ec2Spot,
        Service::Ec2Reserved,
        Service::SavingsPlans,
        Service::DedicatedHosts,
        Service::LoadBalancing,
        Service::Sqs,
        Service::Sns,
        Service::Lambda,
        Service::Fargate,
        Service::Eks,
        Service::CommitmentTerms,
    ];

    /// Stable key used in JSON and traces.
    pub fn key(self) -> &'static str {
        match self {
            Service::Ec2OnDemand => "ec2_on_demand",
            Service::Ec2Spot => "ec2_spot",
            Service::Ec2Reserved => "ec2_reserved",
            Service::SavingsPlans => "savings_plans",
            Service::DedicatedHosts => "dedicated_hosts",
            Service::LoadBalancing => "elastic_load_balancing",
            Service::Sqs => "sqs",
            Service::Sns => "sns",
            Service::Lambda => "lambda",
            Service::Fargate => "fargate",
            Service::Eks => "eks",
            Service::OnPremises => "on_premises",
            Service::CommitmentTerms => "commitment_terms",
        }
    }

    /// Name for people.
    pub fn label(self) -> &'static str {
        match self {
            Service::Ec2OnDemand => "EC2 on-demand",
            Service::Ec2Spot => "EC2 spot",
            Service::Ec2Reserved => "EC2 Reserved Instances",
            Service::SavingsPlans => "Savings Plans",
            Service::DedicatedHosts => "EC2 Dedicated Hosts",
            Service::LoadBalancing => "Elastic Load Balancing",
            Service::Sqs => "Amazon SQS",
            Service::Sns => "Amazon SNS",
            Service::Lambda => "AWS Lambda",
            Service::Fargate => "AWS Fargate",
            Service::Eks => "Amazon EKS",
            Service::OnPremises => "On-premises servers",
            Service::CommitmentTerms => "Rest of commitment terms",
        }
    }
}

/// Dollars spent so far, by service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    by_service: BTreeMap<Service, f64>,
}

impl Ledger {
    /// Adds a charge.
    pub fn charge(&mut self, service: Service, usd: f64) {
        if usd != 0.0 && usd.is_finite() {
            *self.by_service.entry(service).or_insert(0.0) += usd;
        }
    }

    /// Total dollars.
    pub fn total(&self) -> f64 {
        // Folded from +0.0: an empty `sum()` of floats is -0.0, which prints as "-0".
        self.by_service.values().fold(0.0, |total, usd| total + usd)
    }

    /// Dollars per service that has been charged, in report order.
    pub fn lines(&self) -> impl Iterator<Item = (Service, f64)> + '_ {
        Service::ALL
            .into_iter()
            .filter_map(|s| self.by_service.get(&s).map(|usd| (s, *usd)))
    }
}
