//! Money: what each service cost, accrued tick by tick.

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
    /// By service, in the order services are declared (their `Ord`); none
    /// for a service never charged. A tick charges several: an array costs
    /// no search.
    by_service: [Option<f64>; Service::ALL.len()],
}

impl Ledger {
    /// Adds a charge.
    pub fn charge(&mut self, service: Service, usd: f64) {
        if usd != 0.0 && usd.is_finite() {
            *self.by_service[service as usize].get_or_insert(0.0) += usd;
        }
    }

    /// Total dollars.
    pub fn total(&self) -> f64 {
        // Folded from +0.0: an empty `sum()` of floats is -0.0, which prints as "-0".
        self.by_service
            .iter()
            .flatten()
            .fold(0.0, |total, usd| total + usd)
    }

    /// Dollars per service that has been charged, in report order.
    pub fn lines(&self) -> impl Iterator<Item = (Service, f64)> + '_ {
        Service::ALL
            .into_iter()
            .filter_map(|s| self.by_service[s as usize].map(|usd| (s, usd)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_its_own_place_in_declared_order() {
        let mut places: Vec<usize> = Service::ALL.iter().map(|&s| s as usize).collect();
        places.sort_unstable();
        assert_eq!(places, (0..Service::ALL.len()).collect::<Vec<_>>());
        // Places follow `Ord`, the order the total is summed in.
        let mut by_ord = Service::ALL;
        by_ord.sort();
        assert!(by_ord.windows(2).all(|w| (w[0] as usize) < (w[1] as usize)));
    }

    #[test]
    fn lines_list_what_was_charged_in_report_order_and_total_it() {
        let mut l = Ledger::default();
        assert_eq!(l.total().to_bits(), 0.0f64.to_bits());
        l.charge(Service::Sqs, 0.25);
        l.charge(Service::OnPremises, 2.0);
        l.charge(Service::Sqs, 0.5);
        l.charge(Service::Lambda, 0.0);
        l.charge(Service::Eks, f64::NAN);
        let lines: Vec<_> = l.lines().collect();
        assert_eq!(lines, [(Service::OnPremises, 2.0), (Service::Sqs, 0.75)]);
        assert_eq!(l.total(), 2.75);
    }
}
