//! The fp64 brute-force reference and seeded test data.

use argus_index::{Filter, ItemId, ItemMeta};
use uuid::Uuid;

pub struct Item {
    pub id: ItemId,
    pub v: Vec<f32>,
    pub meta: ItemMeta,
}

/// A small deterministic generator (xorshift), so failures reproduce from the printed seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    }
    pub fn vector(&mut self, dim: usize) -> Vec<f32> {
        (0..dim).map(|_| self.unit()).collect()
    }
    pub fn id(&mut self) -> Uuid {
        Uuid::from_u64_pair(self.next(), self.next())
    }
}

pub fn items(rng: &mut Rng, n: usize, dim: usize, accounts: &[Uuid], lists: &[Uuid]) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let mut member = Vec::new();
            for (j, l) in lists.iter().enumerate() {
                if rng.next().is_multiple_of(j as u64 + 2) {
                    member.push(*l);
                }
            }
            Item {
                id: rng.id(),
                v: rng.vector(dim),
                meta: ItemMeta {
                    account: accounts[i % accounts.len()],
                    lists: member,
                    external_id: Some(format!("ext-{}", i % 7)),
                    created_at: i as i64,
                },
            }
        })
        .collect()
}

fn unit64(v: &[f32]) -> Vec<f64> {
    let n = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    v.iter().map(|&x| f64::from(x) / n).collect()
}

/// Filter, then brute force in fp64: (id, similarity) best first, ties by id.
pub fn brute_force(
    items: &[Item],
    query: &[f32],
    k: usize,
    keep: impl Fn(&Item) -> bool,
) -> Vec<(ItemId, f64)> {
    let q = unit64(query);
    let mut all: Vec<(ItemId, f64)> = items
        .iter()
        .filter(|i| keep(i))
        .map(|i| (i.id, unit64(&i.v).iter().zip(&q).map(|(a, b)| a * b).sum()))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

/// The same predicate as an index filter, written independently of `Filter::accepts`.
pub fn matches(filter: &Filter, item: &Item) -> bool {
    if filter.account.is_some_and(|a| a != item.meta.account) {
        return false;
    }
    if let Some(lists) = &filter.lists
        && !lists.iter().any(|l| item.meta.lists.contains(l))
    {
        return false;
    }
    if let Some(ids) = &filter.ids
        && !ids.contains(&item.id)
    {
        return false;
    }
    filter.predicate.as_ref().is_none_or(|p| p(&item.meta))
}
