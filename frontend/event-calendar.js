// The calendar component of the staff pages (@event-calendar/core, MIT), bundled with its
// one dependency (Svelte) into a single module the pages import; its style sheet is bundled
// beside it as event-calendar.css.
export {
  createCalendar,
  destroyCalendar,
  Interaction,
  List,
  ResourceTimeGrid,
  TimeGrid,
} from "@event-calendar/core";
import "@event-calendar/core/index.css";
