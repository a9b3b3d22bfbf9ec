// The words of the calendar page (see i18n.js).

export default {
  en: {
    "calendar.subtitle": "calendar",
  },
  de: {
    "calendar.subtitle": "Kalender",
  },
  ru: {
    "calendar.subtitle": "календарь",
  },
};
