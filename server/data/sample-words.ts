/**
 * Word lists for the sample data. Every person and company is fictional; addresses use the
 * reserved `example.com` domain and phone numbers the fictional 555-01xx range.
 */

export const FIRST_NAMES = [
  'Alice', 'Aaron', 'Abigail', 'Adrian', 'Aisha', 'Alejandro', 'Amara', 'Amelia', 'Andre', 'Anika',
  'Arjun', 'Beatriz', 'Benjamin', 'Bianca', 'Bruno', 'Camila', 'Carlos', 'Chen', 'Chloe', 'Daniel',
  'Diego', 'Dmitri', 'Elena', 'Eli', 'Emma', 'Farah', 'Felix', 'Fatima', 'Gabriel', 'Grace',
  'Hana', 'Hassan', 'Ines', 'Isaac', 'Ivy', 'Jakob', 'James', 'Jia', 'Jonas', 'Julia',
  'Kai', 'Kenji', 'Laila', 'Leo', 'Lina', 'Lucas', 'Maya', 'Mateo', 'Mei', 'Mila',
  'Nadia', 'Naveen', 'Nina', 'Noah', 'Olga', 'Omar', 'Oscar', 'Priya', 'Rafael', 'Ravi',
  'Rosa', 'Sam', 'Sara', 'Sofia', 'Tariq', 'Teresa', 'Theo', 'Uma', 'Victor', 'Wei',
  'Yara', 'Yusuf', 'Zara', 'Zoe', 'Ingrid', 'Malik', 'Nora', 'Pablo', 'Rina', 'Stefan',
] as const;

export const LAST_NAMES = [
  'Abbott', 'Adeyemi', 'Andersen', 'Bauer', 'Becker', 'Bianchi', 'Brooks', 'Campbell', 'Castro', 'Chandra',
  'Cohen', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Fontaine', 'Garcia', 'Gupta', 'Haddad', 'Hansen',
  'Hoffmann', 'Ibrahim', 'Ito', 'Jensen', 'Kaur', 'Kim', 'Kowalski', 'Kumar', 'Lambert', 'Larsen',
  'Lee', 'Lopez', 'Martin', 'Meyer', 'Mendes', 'Moreau', 'Murphy', 'Nakamura', 'Novak', 'Nguyen',
  'Okafor', 'Olsen', 'Park', 'Patel', 'Petrov', 'Quinn', 'Rahman', 'Reyes', 'Rossi', 'Santos',
  'Schmidt', 'Silva', 'Singh', 'Sato', 'Sokolov', 'Tanaka', 'Torres', 'Varga', 'Vogel', 'Wagner',
  'Walsh', 'Weber', 'Wong', 'Yamamoto', 'Zhang', 'Zimmermann', 'Ortiz', 'Byrne', 'Horvat', 'Lindqvist',
] as const;

export const OFFICES = ['New York', 'San Francisco', 'London', 'Berlin', 'Toronto', 'Singapore', 'Remote'] as const;

export const COMPANY_PREFIXES = [
  'Acme', 'Apex', 'Blue Harbor', 'Brightline', 'Cedar', 'Cobalt', 'Crescent', 'Delta Ridge', 'Evergreen', 'Falcon',
  'Granite', 'Helix', 'Horizon', 'Ironwood', 'Juniper', 'Keystone', 'Lakeside', 'Lumen', 'Maple', 'Meridian',
  'Northwind', 'Oakridge', 'Orchid', 'Pioneer', 'Quantum', 'Redwood', 'Riverstone', 'Sapphire', 'Silverline', 'Summit',
  'Tidewater', 'Trident', 'Vertex', 'Willow', 'Zenith', 'Copperfield', 'Harborview', 'Starling', 'Bluebird', 'Westbrook',
] as const;

export const COMPANY_SUFFIXES = [
  'Logistics', 'Health', 'Foods', 'Energy', 'Bank', 'Insurance', 'Retail', 'Media', 'Labs', 'Manufacturing',
  'Hotels', 'Airlines', 'Pharma', 'Telecom', 'Motors', 'Software', 'University', 'Consulting', 'Capital', 'Studios',
] as const;

/** Industry implied by a company suffix, so the generated names and industries agree. */
export const INDUSTRY_BY_SUFFIX: Record<(typeof COMPANY_SUFFIXES)[number], string> = {
  Logistics: 'Transportation', Health: 'Healthcare', Foods: 'Consumer Goods', Energy: 'Energy',
  Bank: 'Financial Services', Insurance: 'Financial Services', Retail: 'Retail', Media: 'Media',
  Labs: 'Technology', Manufacturing: 'Manufacturing', Hotels: 'Hospitality', Airlines: 'Transportation',
  Pharma: 'Healthcare', Telecom: 'Telecommunications', Motors: 'Manufacturing', Software: 'Technology',
  University: 'Education', Consulting: 'Professional Services', Capital: 'Financial Services', Studios: 'Media',
};

export const CUSTOMER_LOCATIONS = [
  ['United States', 'New York'], ['United States', 'Chicago'], ['United States', 'Austin'],
  ['United States', 'Seattle'], ['United States', 'Boston'], ['Canada', 'Toronto'], ['Canada', 'Vancouver'],
  ['United Kingdom', 'London'], ['United Kingdom', 'Manchester'], ['Germany', 'Berlin'], ['Germany', 'Munich'],
  ['France', 'Paris'], ['Netherlands', 'Amsterdam'], ['Spain', 'Madrid'], ['Italy', 'Milan'],
  ['Sweden', 'Stockholm'], ['Japan', 'Tokyo'], ['Singapore', 'Singapore'], ['Australia', 'Sydney'],
  ['Brazil', 'São Paulo'], ['India', 'Bengaluru'], ['Mexico', 'Mexico City'],
] as const;

/** The fictional vendor's catalogue: [name, category, list price in USD]. */
export const PRODUCT_LINES = [
  ['Nebula Router 200', 'Hardware', 349],
  ['Nebula Router 500', 'Hardware', 899],
  ['Nebula Switch 24', 'Hardware', 1299],
  ['Orbit Desk Phone', 'Hardware', 189],
  ['Orbit Conference Hub', 'Hardware', 1490],
  ['Pulsar Access Point', 'Hardware', 259],
  ['Pulsar Access Point Pro', 'Hardware', 449],
  ['Quasar Edge Server', 'Hardware', 4200],
  ['Comet Analytics', 'Software', 1200],
  ['Comet Analytics Enterprise', 'Software', 9600],
  ['Galaxy Mail', 'Software', 72],
  ['Galaxy Drive', 'Software', 96],
  ['Galaxy Meet', 'Software', 150],
  ['Aurora Security Suite', 'Software', 2400],
  ['Aurora Endpoint Agent', 'Software', 48],
  ['Lunar Backup', 'Software', 600],
  ['Meteor Monitoring', 'Software', 1800],
  ['Stellar CRM', 'Software', 840],
  ['Onboarding Package', 'Services', 2500],
  ['Network Design Workshop', 'Services', 4800],
  ['Data Migration', 'Services', 7500],
  ['Custom Integration', 'Services', 12000],
  ['Training Day', 'Services', 1600],
  ['Standard Support Plan', 'Support Plans', 1000],
  ['Premium Support Plan', 'Support Plans', 3500],
  ['24/7 Mission Critical Support', 'Support Plans', 9000],
] as const;

export const TICKET_PROBLEMS = [
  'cannot log in', 'slow performance', 'device will not power on', 'firmware update failed',
  'billing question', 'license not recognised', 'data not syncing', 'integration error',
  'feature request', 'password reset', 'intermittent disconnects', 'report shows wrong totals',
  'export fails', 'SSO configuration', 'missing invoice', 'crash on startup', 'audio quality issues',
  'backup job failed', 'alert not firing', 'needs onboarding help',
] as const;
