//! Graph's To Do JSON as Microsoft documents it (the samples of "List
//! lists", "Get todoTask", "Create todoTask" and "todoTask: delta").

use super::*;
use crate::graph::contacts::{Change, Page, read_delta_items};

#[test]
fn reads_the_documented_lists() {
    let page: Page<TaskList> = serde_json::from_str(
        r##"{
  "value": [
    {
      "@odata.type": "#microsoft.graph.todoTaskList",
      "id": "AAMkADIyAAAAABrJAAA=",
      "displayName": "Tasks",
      "isOwner": true,
      "isShared": false,
      "wellknownListName": "defaultList"
    },
        {
      "@odata.type": "#microsoft.graph.todoTaskList",
      "id": "AAMkADIyAAAEFTTrJAAA=",
      "displayName": "Monthly Tasks",
      "isOwner":true,
      "isShared": false,
      "wellknownListName": "none"
    }
  ]
}"##,
    )
    .unwrap();
    assert_eq!(page.value.len(), 2);
    assert!(page.value[0].is_default());
    assert!(!page.value[1].is_default());
    assert_eq!(page.value[1].display_name, "Monthly Tasks");
    assert!(page.value[1].is_owner && !page.value[1].is_shared);
}

#[test]
fn reads_the_documented_task() {
    let task: Task = serde_json::from_str(
        r##"{
    "@odata.context": "https://graph.microsoft.com/beta/$metadata#tasks/$entity",
    "@odata.etag": "W/\"s8/ERWT3WEeFpBGD0bDgAA+TWq9g==\"",
    "importance": "low",
    "isReminderOn": false,
    "status": "notStarted",
    "title": "Shop for dinner",
    "createdDateTime": "2020-07-22T10:39:03.7937971Z",
    "lastModifiedDateTime": "2020-07-22T12:02:10.8835421Z",
    "categories": [
       "Important",
       "Urgent"
            ],
    "id": "721a35e2-35e2-721a-e235-1a72e2351a72",
    "body": {
        "content": "",
        "contentType": "text"
    },
    "dueDateTime": {
        "dateTime": "2020-08-25T04:00:00.0000000",
        "timeZone": "UTC"
    }
}"##,
    )
    .unwrap();
    assert_eq!(task.title, "Shop for dinner");
    assert_eq!(task.importance, Importance::Low);
    assert_eq!(task.status, TaskStatus::NotStarted);
    assert_eq!(task.categories, vec!["Important", "Urgent"]);
    assert_eq!(
        task.etag.as_deref(),
        Some("W/\"s8/ERWT3WEeFpBGD0bDgAA+TWq9g==\"")
    );
    let due = task.due_date_time.unwrap();
    assert_eq!(due.date_time, "2020-08-25T04:00:00.0000000");
    assert_eq!(due.time_zone, "UTC");
}

#[test]
fn unknown_values_read_as_defaults() {
    let task: Task = serde_json::from_str(
        r##"{"id":"t","status":"somethingNew","importance":null,"isReminderOn":null,"recurrence":null}"##,
    )
    .unwrap();
    assert_eq!(task.status, TaskStatus::NotStarted);
    assert_eq!(task.importance, Importance::Normal);
    assert!(task.recurrence.is_none());
}

#[test]
fn reads_recurrence() {
    let task: Task = serde_json::from_str(
        r##"{"id":"t","recurrence":{"pattern":{"type":"weekly","interval":1,"month":0,"dayOfMonth":0,
            "daysOfWeek":["monday"],"firstDayOfWeek":"sunday","index":"first"},
            "range":{"type":"noEnd","startDate":"2020-08-25","endDate":"0001-01-01",
            "recurrenceTimeZone":"","numberOfOccurrences":0}}}"##,
    )
    .unwrap();
    let r = task.recurrence.unwrap();
    assert_eq!(r.pattern.kind, "weekly");
    assert_eq!(r.pattern.days_of_week, vec!["monday"]);
    assert_eq!(r.range.kind, "noEnd");
    assert_eq!(r.range.start_date.as_deref(), Some("2020-08-25"));
    assert_eq!(r.range.recurrence_time_zone, None);
}

/// The response of learn.microsoft.com/graph/api/todotask-delta, plus a
/// removal as the delta overview documents it.
#[test]
fn delta_page_reads_tasks_and_removals() {
    let page: Page<serde_json::Value> = serde_json::from_str(
        r##"{
   "@odata.deltaLink":"https://graph.microsoft.com/v1.0/me/todo/lists/gDbc8U7HGwADDZocJgAAAA==/tasks/delta?$deltatoken=MoVMZ_DzHG4AhT3WE8VioVS1IXZJ-ArqK5fknOjnKFY",
   "value":[
      {
         "@odata.etag":"W/\"4rfRVIPi9EqXgDbc8U7HGwADLLQ9xQ==\"",
         "importance":"normal",
         "isReminderOn":false,
         "status":"notStarted",
         "title":"empty task3",
         "createdDateTime":"2020-08-12T04:54:29.1925206Z",
         "lastModifiedDateTime":"2020-08-12T04:54:29.4903939Z",
         "id":"AAMkADMwNTcyZjQzLTdkMGItNDdjMy04ZTYwLTJhYmUzNGI5ZDEwMwBGAAAAAAB5M0K0qlJySLOAgV22zPnuBwDit9FUg_L0SpeANtzxTscbAAMNmhwmAADit9FUg_L0SpeANtzxTscbAAMxlnrYAAA=",
         "body":{
            "content":"",
            "contentType":"text"
         }
      },
      {"id":"AAMkGoneTask","@removed":{"reason":"deleted"}}
   ]
}"##,
    )
    .unwrap();
    assert!(page.delta_link.unwrap().contains("$deltatoken="));
    let mut round = Delta::<Task> {
        changed: vec![],
        removed: vec![],
        delta_link: String::new(),
        pages: 0,
    };
    read_delta_items(page.value, &mut round).unwrap();
    assert_eq!(round.changed.len(), 1);
    assert_eq!(round.changed[0].title, "empty task3");
    assert_eq!(round.removed, vec!["AAMkGoneTask"]);
}

#[test]
fn writes_only_what_changes() {
    let write = TaskWrite {
        title: Change::To("Shop".into()),
        status: Change::To(TaskStatus::WaitingOnOthers),
        importance: Change::To(Importance::High),
        due_date_time: Change::To(DateTimeTimeZone {
            date_time: "2020-08-25T00:00:00".into(),
            time_zone: "UTC".into(),
        }),
        reminder_date_time: Change::Clear,
        categories: Change::To(vec![]),
        ..TaskWrite::default()
    };
    assert_eq!(
        serde_json::to_value(&write).unwrap(),
        serde_json::json!({"title":"Shop","status":"waitingOnOthers","importance":"high",
            "dueDateTime":{"dateTime":"2020-08-25T00:00:00","timeZone":"UTC"},
            "reminderDateTime":null,"categories":[]})
    );
    let created = serde_json::to_value(write.for_create()).unwrap();
    assert!(created.get("reminderDateTime").is_none());
    assert!(created.get("categories").is_none());
    assert_eq!(created["title"], "Shop");
}
