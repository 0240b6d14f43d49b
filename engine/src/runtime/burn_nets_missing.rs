//! Stands in for `burn_nets.rs` in a build made without the ONNX files (`build.rs`): the same names, and every
//! Burn backend answers with the reason.

use super::Precision;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, Transaction};
use std::convert::Infallible;
use std::marker::PhantomData;
use std::path::Path;

/// Whether this build has the Burn networks: it has not, and says why.
pub fn built() -> Result<(), String> {
    Err(missing())
}

fn missing() -> String {
    format!(
        "built without the Burn networks ({}): run `make models`, then rebuild",
        env!("ARGUS_BURN_MISSING")
    )
}

/// No network: this type has no values.
pub struct Net<B: Backend>(Infallible, PhantomData<B>);

impl<B: Backend> Net<B> {
    /// Always the reason there is no network.
    pub fn load(_name: &str, _weights: &Path, _device: &B::Device) -> Result<Net<B>, String> {
        Err(missing())
    }

    /// Never called: there is no network to call it on.
    pub fn in_precision(self, _precision: Precision) -> Net<B> {
        match self.0 {}
    }

    /// Never called: there is no network to call it on.
    pub fn forward(
        &self,
        _input: Tensor<B, 4>,
        _wanted: &[&str],
        _transaction: Transaction<B>,
    ) -> Result<Transaction<B>, String> {
        match self.0 {}
    }
}
