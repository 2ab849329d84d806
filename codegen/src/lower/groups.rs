//! Operations → the resource tree (`client.agents.actions`): one group per
//! `x-fern-sdk-group-name` path, parents before children, and no name used twice in a group.

use std::collections::HashSet;

use super::{err, Result};
use crate::ir::*;
use crate::Error;

pub(super) fn build_groups(operations: &[Operation]) -> Result<Vec<Group>> {
    let mut groups = vec![Group {
        path: Vec::new(),
        children: Vec::new(),
        operations: Vec::new(),
    }];
    for (index, op) in operations.iter().enumerate() {
        for depth in 1..=op.group.len() {
            let path = &op.group[..depth];
            if !groups.iter().any(|g| g.path == path) {
                groups.push(Group {
                    path: path.to_vec(),
                    children: Vec::new(),
                    operations: Vec::new(),
                });
                let parent = groups
                    .iter_mut()
                    .find(|g| g.path == path[..depth - 1])
                    .ok_or_else(|| Error::new("group tree"))?;
                parent.children.push(path[depth - 1].clone());
            }
        }
        let group = groups
            .iter_mut()
            .find(|g| g.path == op.group)
            .ok_or_else(|| Error::new("group tree"))?;
        group.operations.push(index);
    }
    for group in &groups {
        let mut names: HashSet<&str> = group.children.iter().map(String::as_str).collect();
        for &index in &group.operations {
            let method = operations[index].method.as_str();
            if !names.insert(method) {
                return err(format!(
                    "{}: the SDK name {method} is used twice in group [{}]",
                    operations[index].operation_id,
                    group.path.join(", ")
                ));
            }
        }
    }
    Ok(groups)
}
